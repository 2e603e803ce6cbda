/**
 * Memory/throughput benchmark of the whole pipeline against `psql \copy`.
 *
 *   npm run bench -- [--size 1GiB] [--chunk 32MiB] [--loaders 2] [--prefetch 1]
 *                    [--s3 own|shared] [--keep] [--regen] [--timeout 3600] [--stall 180]
 *                    [--pgloader] [--reference 1GiB|none]
 *
 * 1. Generates (once; reused from bench-data/) a CSV of --size with 12 mixed columns,
 *    and <name>.clean.csv: the same rows with ISO dates and true/false booleans.
 * 2. Creates a fresh database bench_<timestamp>, a unique QUEUE_PREFIX and S3 bucket.
 *    Storage is a private s3rver started for the run (--s3 own, the default: the
 *    shared one on S3_ENDPOINT is started and stopped by concurrent test runs)
 *    or the shared one (--s3 shared).
 * 3. Baseline: `psql \copy` of the clean file into a table with the pipeline's
 *    column types (DDL from BENCH_SCHEMA via sqlType, as the splitter creates
 *    targets), timed. So the baseline does no conversion the pipeline has to do.
 *    With --pgloader (when installed): pgloader loads the raw file, converting
 *    the date and yes/no, into a third table of the same DDL, timed.
 * 4. Spawns 1 gateway, 1 splitter and --loaders loaders as separate processes,
 *    as production runs them: the bundles of `npm run build` (built first;
 *    `--runtime tsx` runs the sources through tsx instead), LOG_LEVEL=warn,
 *    and waits for /readyz and for every consumer to be attached.
 * 5. Streams the raw file with PUT /v1/jobs/raw, no declared schema (the
 *    splitter infers the types), time to the 202; polls the job to its end,
 *    recording when it was first seen loading / planned.
 * 6. Samples VmRSS and CPU (utime+stime) of every service every 200 ms, plus
 *    s3rver, psql and the database's backends; VmHWM is read before stopping.
 * 7. Verifies the target table against psql's: identical column names and
 *    types, count, sum of ids, non-null count of the nullable column, and a
 *    fingerprint of every row (sum of hashtext(row::text)); pgloader's table by
 *    count and fingerprint. Fails loudly on any difference.
 * 8. Prints the report (also written to bench-data/logs/<run>/report.txt, with
 *    result.json, timeline.csv and every service's log): wall s, MB/s, rows/s
 *    and time ÷ psql per stage, and the headline end to end ÷ psql \copy.
 * 9. Stops the services with SIGTERM (they drain), drops the database, deletes
 *    the run's queues, Redis keys and bucket (database and bucket stay with
 *    --keep). The generated CSVs are kept.
 * 10. Scaling: from --size 4GiB on (or with --reference <size>) steps 1-9 run
 *    first at 1 GiB (or <size>), then at --size; the big run's report ends with
 *    end-to-end time against linear scaling and each service's peak RSS at both.
 *
 * MB = 10^6 bytes; MiB = 2^20 bytes. Exit code 1 when anything went wrong.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
} from 'node:fs';
import { closeSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import pg from 'pg';
import { toColumnNames } from '@ingest/domain';
import { sqlType } from '@ingest/normalize';
import { ApiKeyRepository, createPool } from '@ingest/postgres';
import { parseArgs, sizeLabel, MIB, type BenchArgs } from './bench-support/args';
import { deleteBucket, deleteQueues, deleteRedisKeys } from './bench-support/cleanup';
import { BENCH_SCHEMA, ensureCsv, type CsvFile } from './bench-support/csv-generator';
import { scanLog } from './bench-support/logs';
import { childPids, commandLine, findProcesses } from './bench-support/proc';
import { cpuBetween, machineBusySeconds, Sampler, type Snapshot } from './bench-support/sampler';
import {
  answers,
  freePort,
  queueDepths,
  spawnService,
  startOwnS3,
  stopServices,
  waitUntilReady,
  type ServiceProcess,
} from './bench-support/services';

const ROOT = resolve(__dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const S3_ENDPOINT = process.env.S3_ENDPOINT ?? 'http://127.0.0.1:4569';
const PIPELINE_TABLE = 'bench_pipeline';
const PSQL_TABLE = 'bench_psql';
const PGLOADER_TABLE = 'bench_pgloader';
const POLL_MS = 200;

// ------------------------------------------------------------------ small helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const mb = (bytes: number) => bytes / 1e6;
const int = (n: number) => n.toLocaleString('en-US');
const sec = (s: number | undefined) => (s === undefined ? '–' : s.toFixed(1));
const rate = (bytes: number, s: number | undefined) =>
  s === undefined || s <= 0 ? '–' : (mb(bytes) / s).toFixed(1);
const perSecond = (n: number, s: number | undefined) =>
  s === undefined || s <= 0 ? undefined : n / s;
const rowRate = (rows: number, s: number | undefined) => {
  const r = perSecond(rows, s);
  return r === undefined ? '–' : int(Math.round(r));
};
const mib = (kib: number) => (kib / 1024).toFixed(0);
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ];
}

/** Lines go to stdout and to report.txt. */
class Report {
  readonly lines: string[] = [];
  add(...lines: string[]): void {
    for (const l of lines) {
      this.lines.push(l);
      console.log(l);
    }
  }
}

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.indexOf('\n');
    return (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '').replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
}

// ------------------------------------------------------------------ the measured steps

interface PsqlResult {
  seconds: number;
  rows: number;
  pid: number;
}

/**
 * The typed table the pipeline ends up with for this file: BENCH_SCHEMA's
 * columns through sqlType, the function the splitter creates targets with.
 */
function typedTableDdl(tableName: string): string {
  const columns = BENCH_SCHEMA.columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c)}`);
  return `CREATE TABLE public.${quoteIdent(tableName)} (${columns.join(', ')})`;
}

/** `psql -c "\copy <table> FROM '<file>' WITH (FORMAT csv, HEADER true)"`, timed end to end. */
async function psqlCopy(
  databaseUrl: string,
  file: string,
  tableName: string,
  sampler: Sampler,
): Promise<PsqlResult> {
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
    `\\copy ${tableName} FROM '${file.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`,
  ];
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) || undefined };
  const t0 = now();
  const child = spawn('psql', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) sampler.track(child.pid, 'psql (client)', 'helper');
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('close', (c) => res(c));
  });
  const seconds = (now() - t0) / 1000;
  const m = /COPY (\d+)/.exec(out);
  if (code !== 0 || !m) throw new Error(`psql \\copy failed (exit ${code}): ${out.trim()}`);
  return { seconds, rows: Number(m[1]), pid: child.pid ?? 0 };
}

function onPath(command: string): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0
  );
}

interface PgloaderResult {
  seconds: number;
  code: number | null;
  /** The end of its output (all of it is in pgloader.log). */
  tail: string;
}

/**
 * pgloader's load command for the raw file: the MM/DD/YYYY date is converted
 * by pgloader; yes/no go through as text, which PostgreSQL's boolean accepts.
 */
function pgloaderCommand(file: string, databaseUrl: string, tableName: string): string {
  // The password, if any, goes in PGPASSWORD (a URL's escaping is not pgloader's).
  const url = new URL(databaseUrl);
  const target = `postgresql://${url.username || 'postgres'}@${url.host}${url.pathname}`;
  const options: Record<string, string> = {
    birth_date: "[date format 'MM/DD/YYYY']",
    nullable: '[null if blanks]',
  };
  const names = BENCH_SCHEMA.columns.map((c) => `"${c.name}"`);
  const fields = BENCH_SCHEMA.columns.map((c) =>
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
  databaseUrl: string,
  file: string,
  logDir: string,
  sampler: Sampler,
): Promise<PgloaderResult> {
  const loadFile = join(logDir, 'pgloader.load');
  writeFileSync(loadFile, pgloaderCommand(file, databaseUrl, PGLOADER_TABLE));
  const out = createWriteStream(join(logDir, 'pgloader.log'));
  const password = decodeURIComponent(new URL(databaseUrl).password);
  const env = { ...process.env, PGPASSWORD: password || undefined };
  const t0 = now();
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
  const seconds = (now() - t0) / 1000;
  await new Promise<void>((res) => out.end(res));
  return { seconds, code, tail: tail.trim() };
}

interface UploadResult {
  status: number;
  body: string;
  seconds: number;
}

/** An API key for the run's own tenant (the services have created their tables by now). */
async function createBenchKey(databaseUrl: string): Promise<string> {
  const pool = createPool({ connectionString: databaseUrl, applicationName: 'bench-keys', max: 1 });
  try {
    return (await new ApiKeyRepository(pool).create('bench', { label: 'npm run bench' })).key;
  } finally {
    await pool.end();
  }
}

/** Streams the file as the raw body of PUT /v1/jobs/raw; never holds it in memory. */
function uploadFile(
  url: string,
  apiKey: string,
  file: string,
  bytes: number,
): Promise<UploadResult> {
  return new Promise((resolvePromise, reject) => {
    const t0 = now();
    const req = request(url, {
      method: 'PUT',
      agent: false,
      headers: {
        'content-type': 'text/csv',
        'content-length': String(bytes),
        authorization: `Bearer ${apiKey}`,
      },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.once('error', reject);
      res.once('end', () =>
        resolvePromise({ status: res.statusCode ?? 0, body, seconds: (now() - t0) / 1000 }),
      );
    });
    const source = createReadStream(file, { highWaterMark: MIB });
    source.once('error', (e) => req.destroy(e));
    source.pipe(req);
  });
}

interface JobView {
  id: string;
  status: string;
  bytes: number;
  chunks: { total: number | null; done: number };
  records: number | null;
  rows: { loaded: number; rejected: number };
  error?: { code: string; message: string };
  created_at: string;
  updated_at: string;
  completed_at?: string;
}

interface PollResult {
  view: JobView;
  /** performance.now() when each status was first seen. */
  seen: Record<string, number>;
  /** When chunks.total was first seen set (planning finished). */
  planDoneAt: number | undefined;
}

async function pollJob(
  baseUrl: string,
  apiKey: string,
  id: string,
  deadline: number,
  check: () => void,
  progress: (view: JobView) => void,
  /** How long the job may show no progress at all before the run fails, ms (asked each poll). */
  stallMs: () => number,
): Promise<PollResult> {
  const seen: Record<string, number> = {};
  let planDoneAt: number | undefined;
  let last: JobView | undefined;
  let lastProgress = now();
  let lastError = '';
  let fingerprint = '';
  let changedAt = now();
  while (Date.now() < deadline) {
    check();
    const stall = stallMs();
    if (now() - changedAt > stall) {
      throw new Error(
        `job ${id} made no progress for ${(stall / 1000).toFixed(0)} s; last seen ${JSON.stringify(last)} ${lastError}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/v1/jobs/${id}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      if (res.ok) {
        const view = (await res.json()) as JobView;
        const t = now();
        last = view;
        const print = `${view.status}|${view.chunks.total}|${view.chunks.done}|${view.rows.loaded}|${view.rows.rejected}`;
        if (print !== fingerprint) {
          fingerprint = print;
          changedAt = t;
        }
        seen[view.status] ??= t;
        if (planDoneAt === undefined && view.chunks.total !== null) planDoneAt = t;
        if (['completed', 'failed', 'cancelled'].includes(view.status)) {
          return { view, seen, planDoneAt };
        }
        if (t - lastProgress >= 10_000) {
          lastProgress = t;
          progress(view);
        }
      } else {
        lastError = `GET /v1/jobs/${id} → ${res.status} ${await res.text()}`;
      }
    } catch (e) {
      lastError = `GET /v1/jobs/${id}: ${(e as Error).message}`;
    }
    await sleep(POLL_MS);
  }
  throw new Error(
    `job ${id} did not end before the timeout; last seen ${JSON.stringify(last)} ${lastError}`,
  );
}

/** What the database and the broker say about a job that did not complete: job-failure.json. */
async function dumpJob(db: pg.Client, jobId: string, queuePrefix: string, logDir: string) {
  const job = await db.query<Record<string, unknown>>('SELECT * FROM ingest.jobs WHERE id = $1', [
    jobId,
  ]);
  const ledger = await db.query<Record<string, unknown>>(
    `SELECT count(*)::int AS chunks, sum(rows_loaded)::bigint AS loaded,
            sum(rows_rejected)::bigint AS rejected FROM ingest.chunk_ledger WHERE job_id = $1`,
    [jobId],
  );
  const rejects = await db.query<Record<string, unknown>>(
    `SELECT chunk_index, line, code, message, left(raw, 200) AS raw
     FROM ingest.rejects WHERE job_id = $1 ORDER BY line LIMIT 20`,
    [jobId],
  );
  const queues = await queueDepths(RABBITMQ_URL, queuePrefix).catch((e: unknown) => ({
    error: (e as Error).message,
  }));
  writeFileSync(
    join(logDir, 'job-failure.json'),
    JSON.stringify(
      { job: job.rows[0], ledger: ledger.rows[0], rejects: rejects.rows, queues },
      null,
      2,
    ),
  );
}

// ------------------------------------------------------------------ the run

interface Figures {
  psql?: PsqlResult;
  pgloader?: PgloaderResult;
  /** Why pgloader did not run although --pgloader was given. */
  pgloaderSkipped?: string;
  uploadSeconds?: number;
  loadSeconds?: number;
  e2eSeconds?: number;
  jobId?: string;
  job?: JobView;
  timeline: Record<string, number | undefined>;
  chunksTotal?: number | null;
  cpuPsql?: Map<string, number>;
  cpuUpload?: Map<string, number>;
  cpuLoad?: Map<string, number>;
  machinePsql?: number;
  machineUpload?: number;
  machineLoad?: number;
  counts?: { pipeline: Counts; psql: Counts; pgloader?: Counts };
  /** `name type` per column, in attnum order. */
  columnTypes?: { pipeline: string[]; psql: string[] };
  fingerprints?: { pipeline: string; psql: string; pgloader?: string };
  readySeconds?: number;
}

type Peak = { name: string; hwmKiB: number; sampledKiB: number };

/** What a run hands to the next one (the scaling summary) and to the exit code. */
interface RunSummary {
  code: number;
  runId: string;
  size: number;
  bytes: number;
  records: number;
  psqlSeconds: number | undefined;
  e2eSeconds: number | undefined;
  peaks: Peak[];
}

interface Counts {
  rows: number;
  nonNull: number;
  idSum: string;
}

async function tableCounts(db: pg.Client, tableName: string, columns: string[]): Promise<Counts> {
  const id = quoteIdent(columns[0] ?? 'id');
  const nullable = quoteIdent(columns[columns.length - 1] ?? 'nullable');
  const { rows } = await db.query<{ rows: string; non_null: string; id_sum: string }>(
    `SELECT count(*)::text AS rows, count(${nullable})::text AS non_null,
            coalesce(sum(${id}::bigint), 0)::text AS id_sum
     FROM public.${quoteIdent(tableName)}`,
  );
  const r = rows[0];
  return { rows: Number(r?.rows), nonNull: Number(r?.non_null), idSum: r?.id_sum ?? '' };
}

/** Column names and types as PostgreSQL shows them, in column order. */
async function columnTypes(db: pg.Client, tableName: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type
     FROM pg_attribute
     WHERE attrelid = format('public.%I', $1::text)::regclass AND attnum > 0 AND NOT attisdropped
     ORDER BY attnum`,
    [tableName],
  );
  return rows.map((r) => `${r.name} ${r.type}`);
}

/**
 * A fingerprint of every value: the sum of each row's hash as text. Tables of
 * identical types render equal values as equal text, so equal sums mean equal rows
 * (in any order).
 */
async function fingerprint(db: pg.Client, tableName: string): Promise<string> {
  const { rows } = await db.query<{ f: string | null }>(
    `SELECT sum(hashtext(t::text)::bigint)::text AS f FROM public.${quoteIdent(tableName)} t`,
  );
  return rows[0]?.f ?? 'null';
}

/** Scaling of a run against its reference: report lines and the figures for result.json. */
function scalingSection(
  ref: RunSummary,
  big: Omit<RunSummary, 'code'>,
): { lines: string[]; json: Record<string, unknown> } {
  const factor = big.bytes / ref.bytes;
  const linear = (b: number | undefined, r: number | undefined) =>
    b === undefined || r === undefined ? undefined : b / (r * factor);
  const e2e = linear(big.e2eSeconds, ref.e2eSeconds);
  const psql = linear(big.psqlSeconds, ref.psqlSeconds);
  const refLabel = sizeLabel(ref.size);
  const bigLabel = sizeLabel(big.size);
  const rss = big.peaks.map((p) => {
    const r = ref.peaks.find((q) => q.name === p.name);
    const refMiB = r === undefined ? undefined : r.hwmKiB / 1024;
    const bigMiB = p.hwmKiB / 1024;
    return {
      name: p.name,
      referenceMiB: refMiB,
      thisRunMiB: bigMiB,
      differenceMiB: refMiB === undefined ? undefined : bigMiB - refMiB,
    };
  });
  // RSS moves by tens of MiB with GC timing: only growth past 32 MiB and 20 % counts.
  const grown = rss.filter(
    (x) =>
      x.referenceMiB !== undefined &&
      x.thisRunMiB - x.referenceMiB > Math.max(32, 0.2 * x.referenceMiB),
  );
  const signed = (n: number | undefined) =>
    n === undefined ? '–' : `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(0)}`;
  const ratio = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(2));
  const overPsql = (r: Omit<RunSummary, 'code'>) =>
    r.e2eSeconds === undefined || r.psqlSeconds === undefined
      ? '–'
      : `${(r.e2eSeconds / r.psqlSeconds).toFixed(2)}×`;
  const lines = [
    '',
    `scaling: this run (${bigLabel}, ${int(big.bytes)} bytes) against the reference run ` +
      `${ref.runId} (${refLabel}, ${int(ref.bytes)} bytes); size factor ${factor.toFixed(2)}`,
    ...table(
      ['seconds', refLabel, bigLabel, `${bigLabel} ÷ (${refLabel} × ${factor.toFixed(2)})`],
      [
        [
          '(b) end to end',
          sec(ref.e2eSeconds),
          sec(big.e2eSeconds),
          e2e === undefined
            ? '–'
            : `${ratio(e2e)} (target ≤ 1.10: ${e2e <= 1.1 ? 'met' : 'MISSED'})`,
        ],
        ['(a) psql \\copy', sec(ref.psqlSeconds), sec(big.psqlSeconds), ratio(psql)],
      ],
    ),
    "(1.00 = perfectly linear; psql's own ratio shows how far the machine itself was from it)",
    `(b)/(a) end to end ÷ psql \\copy: ${overPsql(ref)} at ${refLabel}, ${overPsql(big)} at ${bigLabel}`,
    ...table(
      ['peak RSS (VmHWM), MiB', refLabel, bigLabel, 'difference'],
      rss.map((x) => [
        x.name,
        x.referenceMiB === undefined ? '–' : x.referenceMiB.toFixed(0),
        x.thisRunMiB.toFixed(0),
        signed(x.differenceMiB),
      ]),
    ),
    grown.length === 0
      ? 'memory: flat (no service grew by more than 32 MiB and 20 %)'
      : `memory NOT flat: ${grown.map((x) => `${x.name} ${signed(x.differenceMiB)} MiB`).join(', ')}`,
  ];
  const json = {
    reference: {
      runId: ref.runId,
      size: refLabel,
      bytes: ref.bytes,
      records: ref.records,
      endToEndSeconds: ref.e2eSeconds,
      psqlSeconds: ref.psqlSeconds,
    },
    sizeFactor: factor,
    endToEndLinearity: e2e,
    psqlLinearity: psql,
    target: 1.1,
    peakRssMiB: rss,
    memoryFlat: grown.length === 0,
  };
  return { lines, json };
}

async function runOnce(args: BenchArgs, reference: RunSummary | null): Promise<RunSummary> {
  const runId = `bench_${stamp()}`;
  const logDir = join(ROOT, 'bench-data', 'logs', runId);
  mkdirSync(logDir, { recursive: true });
  log(`run ${runId}; logs in ${relative(ROOT, logDir)}/`);

  // 1. The file.
  const csvPath = join(ROOT, 'bench-data', `pipeline-${sizeLabel(args.size)}.csv`);
  log(`${args.regen ? 'regenerating' : 'preparing'} ${relative(ROOT, csvPath)} ...`);
  const csv: CsvFile = ensureCsv(csvPath, args.size, args.regen);
  log(
    csv.generated
      ? `generated ${int(csv.bytes)} bytes (clean copy ${int(csv.cleanBytes)}), ${int(csv.records)} records in ${sec(csv.generateSeconds ?? 0)} s`
      : `reusing ${int(csv.bytes)} bytes (clean copy ${int(csv.cleanBytes)}), ${int(csv.records)} records`,
  );
  const columns = toColumnNames(firstLine(csv.path).split(','));

  // 2. The run's isolated resources.
  const database = runId;
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${database}`;
  const databaseUrl = dbUrl.toString();
  const queuePrefix = `${runId}.`;
  const bucket = runId.replace(/_/g, '-');

  const admin = new pg.Client({ connectionString: ADMIN_URL, application_name: 'bench-admin' });
  await admin.connect();
  const serverVersion =
    (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]
      ?.v ?? '?';
  await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
  log(`created database ${database}`);
  const db = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-verify' });
  await db.connect();

  const timeline = createWriteStream(join(logDir, 'timeline.csv'));
  const sampler = new Sampler(timeline, { client: admin, database });
  sampler.track(process.pid, 'bench client (this process)', 'client');
  sampler.start(200);

  const loadStart = loadavg();
  const figures: Figures = { timeline: {} };
  const problems: string[] = [];
  const services: ServiceProcess[] = [];
  let stopping = false;
  let crash: Error | undefined;
  const check = () => {
    if (crash) throw crash;
  };
  const onSignal = (signal: string) => {
    crash ??= new Error(`interrupted by ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let exits: Awaited<ReturnType<typeof stopServices>> | undefined;
  let peaks: Peak[] = [];
  const helpers: string[] = [];
  let snapshots: Snapshot[] = [];
  let s3Endpoint = S3_ENDPOINT;
  let childWatch: NodeJS.Timeout | undefined;
  let ownS3: ServiceProcess | undefined;
  const s3Dir = join(ROOT, 'bench-data', `s3-${runId}`);

  try {
    // Object storage for the run.
    if (args.s3 === 'own') {
      const started = await startOwnS3(ROOT, logDir, s3Dir, bucket);
      s3Endpoint = started.endpoint;
      ownS3 = started.process;
      sampler.track(ownS3.pid, 's3rver (storage peer)', 'peer');
      void ownS3.exited.then((info) => {
        if (!stopping) {
          crash ??= new Error(
            `s3rver (pid ${ownS3?.pid}) exited unexpectedly: code ${info.code}, signal ${info.signal}`,
          );
        }
      });
      log(`private s3rver on ${s3Endpoint} (pid ${ownS3.pid}, data ${relative(ROOT, s3Dir)}/)`);
    } else {
      if (!(await answers(S3_ENDPOINT))) {
        throw new Error(
          `nothing answers at S3_ENDPOINT ${S3_ENDPOINT}: run bash infra/local/up.sh, or use --s3 own`,
        );
      }
      for (const pid of findProcesses('s3-server.mjs')) {
        sampler.track(pid, 's3rver (storage peer, shared)', 'peer');
      }
    }

    // 3. Baseline: psql \copy of the clean file into the pipeline's typed table.
    await db.query(typedTableDdl(PSQL_TABLE));
    // Page cache warm for every reader of either file.
    spawnSync('sh', ['-c', 'cat "$1" "$2" > /dev/null', 'sh', csv.path, csv.cleanPath]);
    await admin.query('CHECKPOINT');
    log('baseline: psql \\copy of the clean file ...');
    const p0 = await sampler.mark();
    figures.psql = await psqlCopy(databaseUrl, csv.cleanPath, PSQL_TABLE, sampler);
    const p1 = await sampler.mark();
    figures.cpuPsql = cpuBetween(p0, p1);
    figures.machinePsql = machineBusySeconds(p0, p1);
    log(`baseline: ${int(figures.psql.rows)} rows in ${sec(figures.psql.seconds)} s`);
    await admin.query('CHECKPOINT');

    // Optional comparison: pgloader on the raw file, before the services exist.
    if (args.pgloader) {
      if (!onPath('pgloader')) {
        figures.pgloaderSkipped = 'pgloader not installed: apt-get install pgloader';
        log(`${figures.pgloaderSkipped}; skipping the pgloader comparison`);
      } else {
        await db.query(typedTableDdl(PGLOADER_TABLE));
        log('pgloader on the raw file ...');
        figures.pgloader = await runPgloader(databaseUrl, csv.path, logDir, sampler);
        log(`pgloader: exit ${figures.pgloader.code} after ${sec(figures.pgloader.seconds)} s`);
        if (figures.pgloader.code !== 0) {
          problems.push(
            `pgloader exited with code ${figures.pgloader.code} (log: ${relative(ROOT, join(logDir, 'pgloader.log'))}): ` +
              figures.pgloader.tail.replace(/\s*\n\s*/g, ' | ').slice(-1000),
          );
        }
        await admin.query('CHECKPOINT');
      }
    }

    // 4. The services, each its own process.
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      RABBITMQ_URL,
      QUEUE_PREFIX: queuePrefix,
      S3_ENDPOINT: s3Endpoint,
      S3_BUCKET: bucket,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      SPLITTER_CHUNK_BYTES: String(args.chunk),
      LOADER_PREFETCH: String(args.prefetch),
    };
    const spawnOne = (role: 'gateway' | 'splitter' | 'loader', name: string) => {
      const s = spawnService(ROOT, role, name, env, logDir, { bundle: args.runtime === 'bundle' });
      services.push(s);
      sampler.track(s.pid, name, 'service');
      void s.exited.then((info) => {
        if (!stopping) {
          crash ??= new Error(
            `${name} (pid ${s.pid}) exited unexpectedly: code ${info.code}, signal ${info.signal}; ` +
              `log: ${relative(ROOT, s.logPath)}`,
          );
        }
      });
    };
    spawnOne('gateway', 'gateway');
    spawnOne('splitter', 'splitter');
    for (let i = 1; i <= args.loaders; i++) spawnOne('loader', `loader-${i}`);
    const baseUrl = `http://127.0.0.1:${port}`;
    log(`spawned ${services.map((s) => `${s.name}=${s.pid}`).join(' ')}; waiting until ready ...`);
    figures.readySeconds = (
      await waitUntilReady({
        gatewayUrl: baseUrl,
        rabbitmqUrl: RABBITMQ_URL,
        queuePrefix,
        loaders: args.loaders,
        timeoutMs: 120_000,
        check,
      })
    ).seconds;
    log(`ready after ${sec(figures.readySeconds)} s`);
    // Anything a service starts itself (tsx's esbuild service, say) is tracked separately.
    const trackChildren = () => {
      for (const s of services) {
        for (const pid of childPids(s.pid)) {
          if (sampler.get(pid)) continue;
          const what = commandLine(pid).split(' ')[0]?.split('/').pop() ?? '?';
          sampler.track(pid, `${s.name} child (${what})`, 'helper');
          helpers.push(`${s.name} → pid ${pid} ${commandLine(pid).slice(0, 100)}`);
        }
      }
    };
    trackChildren();
    childWatch = setInterval(trackChildren, 1000);
    await sleep(1000); // let start-up settle before the measured window

    // 5. Upload, then follow the job to its end.
    const deadline = Date.now() + args.timeoutSeconds * 1000;
    // No progress for --stall seconds fails the run; 30 s once a service logged an error.
    let errorSeenAt = 0;
    let errorChecked = 0;
    const stallMs = () => {
      if (errorSeenAt === 0 && now() - errorChecked > 2000) {
        errorChecked = now();
        if (services.some((s) => scanLog(s.logPath).errors > 0)) {
          errorSeenAt = now();
          log('a service logged at error level; see the summary at the end');
        }
      }
      return errorSeenAt > 0
        ? Math.min(30_000, args.stallSeconds * 1000)
        : args.stallSeconds * 1000;
    };
    const apiKey = await createBenchKey(databaseUrl);
    log(`uploading ${int(csv.bytes)} bytes with PUT /v1/jobs/raw ...`);
    const u0 = await sampler.mark();
    const epochU0 = Date.now();
    const tU0 = now();
    const uploadDone = uploadFile(
      `${baseUrl}/v1/jobs/raw?table=${PIPELINE_TABLE}`,
      apiKey,
      csv.path,
      csv.bytes,
    );
    // A service dying mid-upload must end the wait, not hang it.
    let watch: NodeJS.Timeout | undefined;
    const crashed = new Promise<never>((_, reject) => {
      watch = setInterval(() => {
        if (crash) reject(crash);
      }, 100);
    });
    const stopWatch = () => clearInterval(watch);
    uploadDone.then(stopWatch, stopWatch);
    crashed.catch(stopWatch);
    const upload = await Promise.race([uploadDone, crashed]);
    const tStored = now();
    const u1 = await sampler.mark();
    figures.uploadSeconds = upload.seconds;
    if (upload.status !== 202) {
      throw new Error(`PUT /v1/jobs/raw answered ${upload.status}: ${upload.body.slice(0, 500)}`);
    }
    const accepted = JSON.parse(upload.body) as JobView;
    figures.jobId = accepted.id;
    log(`202 after ${sec(upload.seconds)} s: job ${accepted.id}; polling ...`);

    const poll = await pollJob(
      baseUrl,
      apiKey,
      accepted.id,
      deadline,
      check,
      (v) => {
        const rss = services
          .map((s) => `${s.name} ${mib(sampler.get(s.pid)?.sampledPeakKiB ?? 0)}`)
          .join(', ');
        log(
          `  ${sec((now() - tU0) / 1000)} s: ${v.status}, chunks ${v.chunks.done}/${v.chunks.total ?? '?'}, ` +
            `rows ${int(v.rows.loaded)} (peak RSS MiB: ${rss})`,
        );
      },
      stallMs,
    );
    const tEnd = now();
    const u2 = await sampler.mark();
    snapshots = [u0, u1, u2];
    figures.job = poll.view;
    figures.chunksTotal = poll.view.chunks.total;
    figures.loadSeconds = (tEnd - tStored) / 1000;
    figures.e2eSeconds = (tEnd - tU0) / 1000;
    figures.cpuUpload = cpuBetween(u0, u1);
    figures.cpuLoad = cpuBetween(u1, u2);
    figures.machineUpload = machineBusySeconds(u0, u1);
    figures.machineLoad = machineBusySeconds(u1, u2);
    const rel = (t: number | undefined) => (t === undefined ? undefined : (t - tU0) / 1000);
    figures.timeline = {
      'stored (202)': rel(tStored),
      "first seen 'planned'": rel(poll.seen.planned),
      "first seen 'loading'": rel(poll.seen.loading),
      'planning done (chunks.total known)': rel(poll.planDoneAt),
      [`'${poll.view.status}'`]: rel(tEnd),
    };
    // Peak memory, read before anything is stopped.
    sampler.tick();
    peaks = services.map((s) => {
      const t = sampler.get(s.pid);
      return { name: s.name, hwmKiB: t?.hwmKiB ?? 0, sampledKiB: t?.sampledPeakKiB ?? 0 };
    });

    // The database's view of the job: committed_at is clock_timestamp() just before COMMIT.
    const ledger = await db.query<{ n: number; first: Date | null; last: Date | null }>(
      `SELECT count(*)::int AS n, min(committed_at) AS first, max(committed_at) AS last
       FROM ingest.chunk_ledger WHERE job_id = $1`,
      [accepted.id],
    );
    const l = ledger.rows[0];
    const epochRel = (d: Date | null | undefined) =>
      d ? (d.getTime() - epochU0) / 1000 : undefined;
    figures.timeline['first chunk committed (ledger)'] = epochRel(l?.first);
    figures.timeline['last chunk committed (ledger)'] = epochRel(l?.last);

    if (poll.view.status !== 'completed') {
      const job = await db.query<Record<string, unknown>>(
        'SELECT * FROM ingest.jobs WHERE id = $1',
        [accepted.id],
      );
      const rejects = await db.query(
        'SELECT chunk_index, line, code, message, left(raw, 200) AS raw FROM ingest.rejects WHERE job_id = $1 ORDER BY line LIMIT 20',
        [accepted.id],
      );
      writeFileSync(
        join(logDir, 'job-failure.json'),
        JSON.stringify({ view: poll.view, job: job.rows[0], rejects: rejects.rows }, null, 2),
      );
      problems.push(
        `job ended '${poll.view.status}': ${poll.view.error?.code ?? ''} ${poll.view.error?.message ?? ''} ` +
          `(details: ${relative(ROOT, join(logDir, 'job-failure.json'))})`,
      );
    }

    // 7. Verification against what psql loaded.
    const pipelineCounts = await tableCounts(db, PIPELINE_TABLE, columns);
    const psqlCounts = await tableCounts(db, PSQL_TABLE, columns);
    figures.counts = { pipeline: pipelineCounts, psql: psqlCounts };
    const expect = (what: string, got: unknown, want: unknown) => {
      if (got !== want) problems.push(`${what}: ${String(got)}, expected ${String(want)}`);
    };
    expect('pipeline table count(*)', pipelineCounts.rows, psqlCounts.rows);
    expect('pipeline table sum(id)', pipelineCounts.idSum, psqlCounts.idSum);
    expect('pipeline table count(nullable)', pipelineCounts.nonNull, psqlCounts.nonNull);
    expect('psql \\copy rows', figures.psql.rows, psqlCounts.rows);
    expect('psql rows vs generated records', psqlCounts.rows, csv.records);
    // Same names and types, then every value: the inferred schema must be BENCH_SCHEMA's.
    const types = {
      pipeline: await columnTypes(db, PIPELINE_TABLE),
      psql: await columnTypes(db, PSQL_TABLE),
    };
    figures.columnTypes = types;
    if (types.pipeline.join(', ') !== types.psql.join(', ')) {
      problems.push(
        `pipeline table columns (${types.pipeline.join(', ')}) differ from psql's (${types.psql.join(', ')})`,
      );
    }
    log('fingerprinting every row of both tables ...');
    const prints: NonNullable<Figures['fingerprints']> = {
      pipeline: await fingerprint(db, PIPELINE_TABLE),
      psql: await fingerprint(db, PSQL_TABLE),
    };
    figures.fingerprints = prints;
    expect('pipeline table fingerprint (sum of hashtext(row::text))', prints.pipeline, prints.psql);
    if (figures.pgloader?.code === 0) {
      const pgloaderCounts = await tableCounts(db, PGLOADER_TABLE, columns);
      figures.counts.pgloader = pgloaderCounts;
      expect('pgloader table count(*)', pgloaderCounts.rows, psqlCounts.rows);
      prints.pgloader = await fingerprint(db, PGLOADER_TABLE);
      expect('pgloader table fingerprint', prints.pgloader, prints.psql);
    }
    expect('job.records (splitter)', poll.view.records, psqlCounts.rows);
    expect('job.rows.loaded', poll.view.rows.loaded, psqlCounts.rows);
    expect('job.rows.rejected', poll.view.rows.rejected, 0);
    expect('job.bytes', poll.view.bytes, csv.bytes);
    expect('ledger chunks', l?.n, poll.view.chunks.total);
    const depths = await queueDepths(RABBITMQ_URL, queuePrefix);
    expect('messages in the dead-letter queue', depths['ingest.dead'], 0);
  } catch (e) {
    problems.unshift(`run aborted: ${(e as Error).message}`);
    if (figures.jobId) await dumpJob(db, figures.jobId, queuePrefix, logDir).catch(() => undefined);
    // Peaks as far as they got.
    if (peaks.length === 0) {
      sampler.tick();
      peaks = services.map((s) => {
        const t = sampler.get(s.pid);
        return { name: s.name, hwmKiB: t?.hwmKiB ?? 0, sampledKiB: t?.sampledPeakKiB ?? 0 };
      });
    }
  } finally {
    // 9. Stop (drain) the services, then clean up.
    stopping = true;
    clearInterval(childWatch);
    if (services.length > 0) {
      log('stopping services (SIGTERM) ...');
      exits = await stopServices(services);
      for (const [name, x] of exits) {
        if (x.killed) problems.push(`${name} did not stop within 60 s of SIGTERM; killed`);
        else if (x.code !== 0 && !(crash && x.signal === 'SIGINT')) {
          problems.push(`${name} exited with code ${x.code} signal ${x.signal} on SIGTERM`);
        }
      }
    }
    if (ownS3 && !ownS3.exitInfo) await stopServices([ownS3], 10_000);
    sampler.stop();
    timeline.end();
    await db.end().catch(() => undefined);
    try {
      await deleteQueues(RABBITMQ_URL, queuePrefix);
      deleteRedisKeys(REDIS_URL, queuePrefix);
      if (args.keep) {
        log(
          `--keep: database ${database} and bucket ${bucket} kept` +
            (ownS3 ? ` (private s3rver data in ${relative(ROOT, s3Dir)}/)` : ''),
        );
      } else {
        if (ownS3) rmSync(s3Dir, { recursive: true, force: true });
        else {
          await deleteBucket(S3_ENDPOINT, bucket).catch((e: unknown) => {
            log(`could not delete bucket ${bucket}: ${(e as Error).message}`);
          });
        }
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
        log(`dropped database ${database}, deleted bucket ${bucket}, queues and Redis keys`);
      }
    } catch (e) {
      problems.push(`cleanup failed: ${(e as Error).message}`);
    }
    await admin.end().catch(() => undefined);
  }

  // 8. The report.
  const report = new Report();
  const loadEnd = loadavg();
  const bytes = csv.bytes;
  const records = csv.records;
  const psqlS = figures.psql?.seconds;
  const ratio = (s: number | undefined) =>
    s === undefined || psqlS === undefined || psqlS <= 0 ? undefined : s / psqlS;
  const times = (s: number | undefined) => {
    const r = ratio(s);
    return r === undefined ? '–' : `${r.toFixed(2)}×`;
  };
  // Every stage loads the same rows; MB/s is of the raw file for all of them.
  const stage = (label: string, s: number | undefined, vs: string = times(s)) => [
    label,
    sec(s),
    rate(bytes, s),
    rowRate(records, s),
    vs,
  ];
  const pgl = figures.pgloader;
  const headline = times(figures.e2eSeconds);
  report.add(
    '',
    `## bench-pipeline ${runId}`,
    '',
    `file: ${relative(ROOT, csv.path)}: ${int(bytes)} bytes (${mb(bytes).toFixed(1)} MB), ` +
      `${int(records)} records, 12 columns; clean copy for psql: ${relative(ROOT, csv.cleanPath)}, ` +
      `${int(csv.cleanBytes)} bytes (ISO dates, true/false)`,
    `settings: --chunk ${sizeLabel(args.chunk)}, --loaders ${args.loaders} (LOADER_PREFETCH ${args.prefetch}), ` +
      `LOG_LEVEL=warn, storage: ${args.s3 === 'own' ? 'private s3rver' : `shared s3rver ${S3_ENDPOINT}`}, ` +
      `services ready ${sec(figures.readySeconds)} s after spawn`,
    `machine: ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}, ` +
      `PostgreSQL ${serverVersion}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ` +
      `${loadEnd.map((x) => x.toFixed(2)).join(' ')} at end`,
    '',
    ...table(
      ['stage', 'wall s', 'MB/s', 'rows/s', 'time ÷ psql'],
      [
        stage('(a) psql \\copy (baseline: pre-cleaned file, typed table)', psqlS, '1.00×'),
        ...(pgl
          ? [
              stage(
                `pgloader (raw file, typed table${pgl.code === 0 ? '' : `; FAILED, exit ${pgl.code}`})`,
                pgl.seconds,
              ),
            ]
          : []),
        stage('upload → stored (PUT to 202; storage is s3rver)', figures.uploadSeconds),
        stage('plan + load (202 → completed)', figures.loadSeconds),
        stage('(b) end to end (upload start → completed)', figures.e2eSeconds),
      ],
    ),
    `(b)/(a) end to end ÷ psql \\copy = ${headline}`,
    `(MB/s counts the raw file's ${int(bytes)} bytes in every stage; the pipeline infers its ` +
      `schema, psql${pgl ? ' and pgloader' : ''} load into BENCH_SCHEMA's DDL, checked identical below)`,
    ...(figures.pgloaderSkipped ? [`pgloader: skipped (${figures.pgloaderSkipped})`] : []),
    '',
    `timeline (s after the upload started; job ${figures.jobId ?? '–'}, ${figures.chunksTotal ?? '?'} chunks):`,
    ...Object.entries(figures.timeline)
      .filter(([, v]) => v !== undefined)
      .sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0))
      .map(([k, v]) => `  ${sec(v).padStart(7)}  ${k}`),
    '',
    ...table(
      ['memory (MiB)', 'peak RSS (VmHWM)', 'max sampled VmRSS'],
      [
        ...peaks.map((p) => [p.name, mib(p.hwmKiB), mib(p.sampledKiB)]),
        ...sampler
          .list()
          .filter((t) => t.kind === 'peer' || (t.kind === 'helper' && t.label !== 'psql (client)'))
          .map((t) => [t.label, '–', mib(t.sampledPeakKiB)]),
      ],
    ),
  );
  if (figures.cpuLoad && figures.cpuUpload && figures.cpuPsql) {
    const labels = new Set<string>([
      ...services.map((s) => s.name),
      ...sampler.list().map((t) => t.label),
    ]);
    const order = (label: string) =>
      label.startsWith('postgres:') ? 2 : services.some((s) => s.name === label) ? 0 : 1;
    const rows = [...labels]
      .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
      .map((label) => {
        const psql = figures.cpuPsql?.get(label) ?? 0;
        const up = figures.cpuUpload?.get(label) ?? 0;
        const load = figures.cpuLoad?.get(label) ?? 0;
        return { label, psql, up, load };
      })
      .filter((r) => r.psql + r.up + r.load >= 0.05);
    const share = (cpu: number, s: number | undefined) =>
      s ? `${((cpu / s) * 100).toFixed(0)} %` : '–';
    const machineJob = (figures.machineUpload ?? 0) + (figures.machineLoad ?? 0);
    // CPU nobody above accounts for: other tenants of the machine, RabbitMQ, Redis, the kernel.
    const sum = (m: Map<string, number> | undefined) =>
      [...(m ?? new Map<string, number>()).values()].reduce((a, b) => a + b, 0);
    const otherPsql = Math.max(0, (figures.machinePsql ?? 0) - sum(figures.cpuPsql));
    const otherUp = Math.max(0, (figures.machineUpload ?? 0) - sum(figures.cpuUpload));
    const otherLoad = Math.max(0, (figures.machineLoad ?? 0) - sum(figures.cpuLoad));
    report.add(
      '',
      'CPU seconds (utime+stime) per process in each window; "% core" = CPU ÷ wall time of the window:',
      ...table(
        ['process', 'psql window', 'upload', 'plan+load', 'job total', '% core (job)'],
        [
          ...rows.map((r) => [
            r.label,
            r.psql.toFixed(1),
            r.up.toFixed(1),
            r.load.toFixed(1),
            (r.up + r.load).toFixed(1),
            share(r.up + r.load, figures.e2eSeconds),
          ]),
          [
            'everything else (other tenants, RabbitMQ, Redis, kernel)',
            otherPsql.toFixed(1),
            otherUp.toFixed(1),
            otherLoad.toFixed(1),
            (otherUp + otherLoad).toFixed(1),
            share(otherUp + otherLoad, figures.e2eSeconds),
          ],
          [
            'whole machine busy (all processes, incl. other tenants)',
            (figures.machinePsql ?? 0).toFixed(1),
            (figures.machineUpload ?? 0).toFixed(1),
            (figures.machineLoad ?? 0).toFixed(1),
            machineJob.toFixed(1),
            share(machineJob, figures.e2eSeconds),
          ],
        ],
      ),
      `(window wall times: psql ${sec(psqlS)} s, upload ${sec(figures.uploadSeconds)} s, ` +
        `plan+load ${sec(figures.loadSeconds)} s; ${cpus().length} cores = ${cpus().length * 100} % max)`,
    );
  }
  if (helpers.length > 0)
    report.add('', 'child processes of services:', ...helpers.map((h) => `  ${h}`));
  if (figures.counts) {
    const c = figures.counts;
    report.add(
      '',
      `verification: pipeline table ${int(c.pipeline.rows)} rows (sum(id) ${c.pipeline.idSum}, ` +
        `${int(c.pipeline.nonNull)} non-null), psql table ${int(c.psql.rows)} rows (sum(id) ${c.psql.idSum}, ` +
        `${int(c.psql.nonNull)} non-null); job: records ${figures.job?.records ?? '–'}, ` +
        `loaded ${figures.job?.rows.loaded ?? '–'}, rejected ${figures.job?.rows.rejected ?? '–'}`,
    );
  }
  if (figures.columnTypes) {
    const t = figures.columnTypes;
    report.add(
      t.pipeline.join(', ') === t.psql.join(', ')
        ? `column types: identical (${t.psql.join(', ')})`
        : `column types DIFFER: pipeline (${t.pipeline.join(', ')}), psql (${t.psql.join(', ')})`,
    );
  }
  if (figures.fingerprints) {
    const f = figures.fingerprints;
    report.add(
      `row fingerprints (sum of hashtext(row::text)): pipeline ${f.pipeline}, psql ${f.psql}` +
        (f.pgloader === undefined ? '' : `, pgloader ${f.pgloader}`),
    );
  }
  if (exits) {
    report.add(
      `shutdown (SIGTERM): ${[...exits]
        .map(
          ([n, x]) =>
            `${n} ${x.killed ? 'KILLED' : `exit ${x.code ?? x.signal}`} ${sec(x.seconds)} s`,
        )
        .join(', ')}`,
    );
  }
  const logSummaries = services.map((svc) => ({
    name: svc.name,
    logPath: svc.logPath,
    ...scanLog(svc.logPath),
  }));
  report.add(
    `service logs (LOG_LEVEL=warn): ${logSummaries
      .map((x) => `${x.name} ${x.warnings} warn / ${x.errors} error`)
      .join(', ')}`,
  );
  for (const x of logSummaries) {
    for (const line of x.firstErrors) report.add(`  ${x.name} error: ${line.slice(0, 300)}`);
    if (x.errors > 0)
      problems.push(`${x.name} logged ${x.errors} error line(s); see ${relative(ROOT, x.logPath)}`);
  }
  report.add(`logs: ${relative(ROOT, logDir)}/`);
  const summary: RunSummary = {
    code: problems.length > 0 ? 1 : 0,
    runId,
    size: args.size,
    bytes,
    records,
    psqlSeconds: psqlS,
    e2eSeconds: figures.e2eSeconds,
    peaks,
  };
  const scaling = reference ? scalingSection(reference, summary) : undefined;
  if (scaling) report.add(...scaling.lines);
  if (problems.length > 0) {
    report.add(
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      `BENCHMARK FAILED (${problems.length} problem${problems.length > 1 ? 's' : ''}):`,
      ...problems.map((p) => `  - ${p}`),
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    );
  } else {
    report.add('', 'OK: every record arrived exactly once.');
  }
  writeFileSync(join(logDir, 'report.txt'), `${report.lines.join('\n')}\n`);
  writeFileSync(
    join(logDir, 'result.json'),
    JSON.stringify(
      {
        runId,
        args,
        file: {
          path: relative(ROOT, csv.path),
          bytes,
          records,
          cleanPath: relative(ROOT, csv.cleanPath),
          cleanBytes: csv.cleanBytes,
        },
        machine: {
          cores: cpus().length,
          memBytes: totalmem(),
          node: process.version,
          postgres: serverVersion,
        },
        loadavg: { start: loadStart, end: loadEnd },
        seconds: {
          psql: psqlS,
          pgloader: pgl?.seconds,
          upload: figures.uploadSeconds,
          planLoad: figures.loadSeconds,
          endToEnd: figures.e2eSeconds,
          ready: figures.readySeconds,
        },
        mbPerSecond: {
          psql: perSecond(mb(bytes), psqlS),
          pgloader: perSecond(mb(bytes), pgl?.seconds),
          upload: perSecond(mb(bytes), figures.uploadSeconds),
          planLoad: perSecond(mb(bytes), figures.loadSeconds),
          endToEnd: perSecond(mb(bytes), figures.e2eSeconds),
        },
        rowsPerSecond: {
          psql: perSecond(records, psqlS),
          pgloader: perSecond(records, pgl?.seconds),
          upload: perSecond(records, figures.uploadSeconds),
          planLoad: perSecond(records, figures.loadSeconds),
          endToEnd: perSecond(records, figures.e2eSeconds),
        },
        timeOverPsql: {
          pgloader: ratio(pgl?.seconds),
          upload: ratio(figures.uploadSeconds),
          planLoad: ratio(figures.loadSeconds),
          endToEnd: ratio(figures.e2eSeconds),
        },
        // The headline: (b) end to end ÷ (a) psql \copy.
        endToEndOverPsql: ratio(figures.e2eSeconds),
        pgloader: args.pgloader ? (pgl ?? { skipped: figures.pgloaderSkipped }) : undefined,
        timeline: figures.timeline,
        job: figures.job,
        peaksMiB: peaks.map((p) => ({
          name: p.name,
          hwm: p.hwmKiB / 1024,
          sampled: p.sampledKiB / 1024,
        })),
        peers: sampler
          .list()
          .filter((t) => t.kind !== 'postgres')
          .map((t) => ({ label: t.label, sampledPeakMiB: t.sampledPeakKiB / 1024 })),
        cpuSeconds: {
          psql: Object.fromEntries(figures.cpuPsql ?? []),
          upload: Object.fromEntries(figures.cpuUpload ?? []),
          planLoad: Object.fromEntries(figures.cpuLoad ?? []),
          machine: {
            psql: figures.machinePsql,
            upload: figures.machineUpload,
            planLoad: figures.machineLoad,
          },
        },
        counts: figures.counts,
        columnTypes: figures.columnTypes,
        fingerprints: figures.fingerprints,
        scaling: scaling?.json,
        exits: exits ? Object.fromEntries(exits) : undefined,
        problems,
        snapshotsTaken: snapshots.length,
      },
      null,
      2,
    ),
  );
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return summary;
}

/**
 * One run, or (with a reference size) a reference run first and then the
 * requested one, whose report carries the scaling summary.
 */
async function main(args: BenchArgs): Promise<number> {
  if (args.runtime === 'bundle') {
    log('building the service bundles (npm run build) ...');
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error(`npm run build failed (exit ${built.status})`);
  }
  if (args.reference === null) return (await runOnce(args, null)).code;
  log(
    `reference run at ${sizeLabel(args.reference)} first, then ${sizeLabel(args.size)} ` +
      '(--reference none skips it)',
  );
  const reference = await runOnce({ ...args, size: args.reference, reference: null }, null);
  if (reference.code !== 0) {
    log(`the reference run failed; not starting the ${sizeLabel(args.size)} run`);
    return reference.code;
  }
  return (await runOnce(args, reference)).code;
}

let cliArgs: BenchArgs;
try {
  cliArgs = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}

main(cliArgs).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('BENCHMARK FAILED:', error);
    process.exit(1);
  },
);
