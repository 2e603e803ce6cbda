/**
 * (a) The baseline: `psql \copy` of the pre-cleaned file into a table with the
 * pipeline's column types, so psql does no conversion work the pipeline has to do.
 */
import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import { sqlType, type TableSchema } from '@ingest/normalize';
import type { CsvFile } from '../bench-support/csv-generator';
import { cpuBetween, machineBusySeconds, type Sampler } from '../bench-support/sampler';
import { int, log, sec } from './bench-output';
import type { BaselineFigures, PsqlResult, RunContext } from './run-model';

export const PSQL_TABLE = 'bench_psql';

/** The typed table for `schema`: its columns through sqlType, the function the splitter creates targets with. */
export function typedTableDdl(schema: TableSchema, tableName: string): string {
  const columns = schema.columns.map((c) => `${pg.escapeIdentifier(c.name)} ${sqlType(c)}`);
  return `CREATE TABLE public.${pg.escapeIdentifier(tableName)} (${columns.join(', ')})`;
}

/** psql's arguments to run one `command` (a `\copy`) against `databaseUrl`, and its environment. */
export function psqlInvocation(
  databaseUrl: string,
  command: string,
): { args: string[]; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const args = [
    '-X',
    '-v',
    'ON_ERROR_STOP=1',
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username || 'postgres'),
    '-d',
    url.pathname.slice(1),
    '-c',
    command,
  ];
  return {
    args,
    env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) || undefined },
  };
}

/** `psql -c "\copy <table> FROM '<file>' WITH (FORMAT csv, HEADER true)"`, timed end to end. */
async function psqlCopy(
  databaseUrl: string,
  file: string,
  tableName: string,
  sampler: Sampler,
): Promise<PsqlResult> {
  const { args, env } = psqlInvocation(
    databaseUrl,
    `\\copy ${tableName} FROM '${file.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`,
  );
  const t0 = performance.now();
  const child = spawn('psql', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) sampler.track(child.pid, 'psql (client)', 'helper');
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('close', (c) => res(c));
  });
  const seconds = (performance.now() - t0) / 1000;
  const m = /COPY (\d+)/.exec(out);
  if (code !== 0 || !m) throw new Error(`psql \\copy failed (exit ${code}): ${out.trim()}`);
  return { seconds, rows: Number(m[1]), pid: child.pid ?? 0 };
}

/**
 * Creates the typed table, warms the page cache for every reader of either
 * file, and times psql \copy of the clean file between two CHECKPOINTs.
 */
export async function measurePsqlBaseline(
  run: RunContext,
  csv: CsvFile,
  figures: BaselineFigures,
): Promise<PsqlResult> {
  await run.db.query(typedTableDdl(run.shape.schema, PSQL_TABLE));
  spawnSync('sh', ['-c', 'cat "$1" "$2" > /dev/null', 'sh', csv.path, csv.cleanPath]);
  await run.admin.query('CHECKPOINT');
  log('baseline: psql \\copy of the clean file ...');
  const before = await run.sampler.mark();
  const psql = await psqlCopy(run.databaseUrl, csv.cleanPath, PSQL_TABLE, run.sampler);
  figures.psql = psql;
  const after = await run.sampler.mark();
  figures.psqlCpu = {
    perProcess: cpuBetween(before, after),
    machine: machineBusySeconds(before, after),
  };
  log(`baseline: ${int(psql.rows)} rows in ${sec(psql.seconds)} s`);
  await run.admin.query('CHECKPOINT');
  return psql;
}
