/**
 * The optional comparison (--pgloader): pgloader loads the raw file into a
 * third table of the same DDL, doing the conversions itself, before the
 * services exist.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CsvFile } from '../bench-support/csv-generator';
import type { Sampler } from '../bench-support/sampler';
import { log, sec } from './bench-output';
import { ROOT } from './endpoints';
import type { FileShape } from './file-shapes';
import { typedTableDdl } from './psql-baseline';
import type { BaselineFigures, PgloaderResult, RunContext } from './run-model';

export const PGLOADER_TABLE = 'bench_pgloader';

function onPath(command: string): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0
  );
}

/** pgloader's load command for the raw file, with the shape's conversions. */
function pgloaderCommand(
  shape: FileShape,
  file: string,
  databaseUrl: string,
  tableName: string,
): string {
  // The password, if any, goes in PGPASSWORD (a URL's escaping is not pgloader's).
  const url = new URL(databaseUrl);
  const target = `postgresql://${url.username || 'postgres'}@${url.host}${url.pathname}`;
  const options = shape.pgloaderFields;
  const names = shape.schema.columns.map((c) => `"${c.name}"`);
  const fields = shape.schema.columns.map((c) =>
    options[c.name] ? `"${c.name}" ${options[c.name]}` : `"${c.name}"`,
  );
  return [
    'LOAD CSV',
    `     FROM '${file}' WITH ENCODING utf-8`,
    `          HAVING FIELDS (${fields.join(', ')})`,
    `     INTO ${target}`,
    `          TARGET TABLE public.${tableName}`,
    `          TARGET COLUMNS (${names.join(', ')})`,
    '     WITH skip header = 1,',
    `          fields optionally enclosed by '"',`,
    '          fields escaped by double-quote,',
    "          fields terminated by ','",
    ';',
    '',
  ].join('\n');
}

/** Runs pgloader on `<logDir>/pgloader.load`, timed end to end; output to pgloader.log. */
async function runPgloader(
  run: RunContext,
  file: string,
  sampler: Sampler,
): Promise<PgloaderResult> {
  const { databaseUrl, logDir } = run;
  const loadFile = join(logDir, 'pgloader.load');
  writeFileSync(loadFile, pgloaderCommand(run.shape, file, databaseUrl, PGLOADER_TABLE));
  const out = createWriteStream(join(logDir, 'pgloader.log'));
  const password = decodeURIComponent(new URL(databaseUrl).password);
  const env = { ...process.env, PGPASSWORD: password || undefined };
  const t0 = performance.now();
  const rootDir = join(logDir, 'pgloader'); // its own logs and reject files
  mkdirSync(rootDir, { recursive: true });
  const child = spawn('pgloader', ['--root-dir', rootDir, loadFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) sampler.track(child.pid, 'pgloader', 'helper');
  let tail = '';
  const keep = (d: Buffer) => {
    out.write(d);
    tail = (tail + d.toString()).slice(-2000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('close', (c) => res(c));
  });
  const seconds = (performance.now() - t0) / 1000;
  await new Promise<void>((res) => out.end(res));
  return { seconds, code, tail: tail.trim() };
}

/** pgloader on the raw file when installed (a failed load is a problem of the run). */
export async function comparePgloader(
  run: RunContext,
  csv: CsvFile,
  figures: BaselineFigures,
): Promise<void> {
  if (!onPath('pgloader')) {
    figures.pgloaderSkipped = 'pgloader not installed: apt-get install pgloader';
    log(`${figures.pgloaderSkipped}; skipping the pgloader comparison`);
    return;
  }
  await run.db.query(typedTableDdl(run.shape.schema, PGLOADER_TABLE));
  log('pgloader on the raw file ...');
  const result = await runPgloader(run, csv.path, run.sampler);
  figures.pgloader = result;
  log(`pgloader: exit ${result.code} after ${sec(result.seconds)} s`);
  if (result.code !== 0) {
    run.problems.push(
      `pgloader exited with code ${result.code} (log: ${relative(ROOT, join(run.logDir, 'pgloader.log'))}): ` +
        result.tail.replace(/\s*\n\s*/g, ' | ').slice(-1000),
    );
  }
  await run.admin.query('CHECKPOINT');
}
