/**
 * Memory/throughput benchmark of the whole pipeline against `psql \copy`.
 *
 *   npm run bench -- [--size 1GiB] [--chunk 32MiB] [--loaders 2] [--prefetch 1]
 *                    [--s3 own|shared] [--keep] [--regen] [--timeout 3600]
 *
 * 1. Generates (once; reused from bench-data/) a CSV of --size with 12 mixed columns.
 * 2. Creates a fresh database bench_<timestamp>, a unique QUEUE_PREFIX and S3 bucket.
 *    Storage is a private s3rver started for the run (--s3 own, the default: the
 *    shared one on S3_ENDPOINT is started and stopped by concurrent test runs)
 *    or the shared one (--s3 shared).
 * 3. Baseline: `psql \copy` of the file into an identical all-text table, timed.
 * 4. Spawns 1 gateway, 1 splitter and --loaders loaders as separate processes
 *    (`node --import tsx`, so each PID is the service's own), LOG_LEVEL=warn,
 *    and waits for /readyz and for every consumer to be attached.
 * 5. Streams the file with PUT /v1/jobs/raw (time to the 202), polls the job to
 *    its end, recording when it was first seen loading / planned.
 * 6. Samples VmRSS and CPU (utime+stime) of every service every 200 ms, plus
 *    s3rver, psql and the database's backends; VmHWM is read before stopping.
 * 7. Verifies the target table holds exactly the records psql loaded (count,
 *    sum of ids, non-null count of the nullable column); fails loudly if not.
 * 8. Prints the report (also written to bench-data/logs/<run>/report.txt, with
 *    result.json, timeline.csv and every service's log).
 * 9. Stops the services with SIGTERM (they drain), drops the database, deletes
 *    the run's queues, Redis keys and bucket (database and bucket stay with
 *    --keep). The generated CSV is kept.
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
import { ApiKeyRepository, createPool } from '@ingest/postgres';
import { parseArgs, sizeLabel, MIB, type BenchArgs } from './bench-support/args';
import { deleteBucket, deleteQueues, deleteRedisKeys } from './bench-support/cleanup';
import { ensureCsv, type CsvFile } from './bench-support/csv-generator';
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
const POLL_MS = 200;

// ------------------------------------------------------------------ small helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const mb = (bytes: number) => bytes / 1e6;
const int = (n: number) => n.toLocaleString('en-US');
const sec = (s: number | undefined) => (s === undefined ? '–' : s.toFixed(1));
const rate = (bytes: number, s: number | undefined) =>
  s === undefined || s <= 0 ? '–' : (mb(bytes) / s).toFixed(1);
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

/** `psql -c "\copy <table> FROM '<file>' WITH (FORMAT csv, HEADER true)"`, timed end to end. */
async function psqlCopy(databaseUrl: string, file: string, sampler: Sampler): Promise<PsqlResult> {
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
    `\\copy ${PSQL_TABLE} FROM '${file.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`,
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
  counts?: { pipeline: Counts; psql: Counts };
  readySeconds?: number;
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

async function main(args: BenchArgs): Promise<number> {
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
      ? `generated ${int(csv.bytes)} bytes, ${int(csv.records ?? 0)} records in ${sec(csv.generateSeconds ?? 0)} s`
      : `reusing ${int(csv.bytes)} bytes${csv.records === null ? '' : `, ${int(csv.records)} records`}`,
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
  let peaks: { name: string; hwmKiB: number; sampledKiB: number }[] = [];
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

    // 3. Baseline: psql \copy into an identical all-text table.
    const columnList = columns.map((c) => `${quoteIdent(c)} text`).join(', ');
    await db.query(`CREATE TABLE public.${quoteIdent(PSQL_TABLE)} (${columnList})`);
    spawnSync('sh', ['-c', 'cat "$1" > /dev/null', 'sh', csv.path]); // page cache warm for both
    await admin.query('CHECKPOINT');
    log('baseline: psql \\copy ...');
    const p0 = await sampler.mark();
    figures.psql = await psqlCopy(databaseUrl, csv.path, sampler);
    const p1 = await sampler.mark();
    figures.cpuPsql = cpuBetween(p0, p1);
    figures.machinePsql = machineBusySeconds(p0, p1);
    log(`baseline: ${int(figures.psql.rows)} rows in ${sec(figures.psql.seconds)} s`);
    await admin.query('CHECKPOINT');

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
      const s = spawnService(ROOT, role, name, env, logDir);
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

    // The database's view of the job: ledger timestamps are transaction starts (now()).
    const ledger = await db.query<{ n: number; first: Date | null; last: Date | null }>(
      `SELECT count(*)::int AS n, min(committed_at) AS first, max(committed_at) AS last
       FROM ingest.chunk_ledger WHERE job_id = $1`,
      [accepted.id],
    );
    const l = ledger.rows[0];
    const epochRel = (d: Date | null | undefined) =>
      d ? (d.getTime() - epochU0) / 1000 : undefined;
    figures.timeline['first chunk transaction began (ledger)'] = epochRel(l?.first);
    figures.timeline['last chunk transaction began (ledger)'] = epochRel(l?.last);

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
    if (csv.records !== null)
      expect('psql rows vs generated records', psqlCounts.rows, csv.records);
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
  const psqlS = figures.psql?.seconds;
  const times = (s: number | undefined) =>
    s === undefined || psqlS === undefined ? '–' : `${(s / psqlS).toFixed(2)}×`;
  report.add(
    '',
    `## bench-pipeline ${runId}`,
    '',
    `file: ${relative(ROOT, csv.path)}: ${int(bytes)} bytes (${mb(bytes).toFixed(1)} MB), ` +
      `${csv.records === null ? 'records unknown' : `${int(csv.records)} records`}, 12 columns`,
    `settings: --chunk ${sizeLabel(args.chunk)}, --loaders ${args.loaders} (LOADER_PREFETCH ${args.prefetch}), ` +
      `LOG_LEVEL=warn, storage: ${args.s3 === 'own' ? 'private s3rver' : `shared s3rver ${S3_ENDPOINT}`}, ` +
      `services ready ${sec(figures.readySeconds)} s after spawn`,
    `machine: ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}, ` +
      `PostgreSQL ${serverVersion}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ` +
      `${loadEnd.map((x) => x.toFixed(2)).join(' ')} at end`,
    '',
    ...table(
      ['stage', 'wall s', 'MB/s', 'time ÷ psql'],
      [
        [
          'psql \\copy (baseline, same file, all-text table)',
          sec(psqlS),
          rate(bytes, psqlS),
          '1.00×',
        ],
        [
          'upload → stored (PUT to 202; storage is s3rver)',
          sec(figures.uploadSeconds),
          rate(bytes, figures.uploadSeconds),
          times(figures.uploadSeconds),
        ],
        [
          'plan + load (202 → completed)',
          sec(figures.loadSeconds),
          rate(bytes, figures.loadSeconds),
          times(figures.loadSeconds),
        ],
        [
          'end to end (upload start → completed)',
          sec(figures.e2eSeconds),
          rate(bytes, figures.e2eSeconds),
          times(figures.e2eSeconds),
        ],
      ],
    ),
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
        file: { path: relative(ROOT, csv.path), bytes, records: csv.records },
        machine: {
          cores: cpus().length,
          memBytes: totalmem(),
          node: process.version,
          postgres: serverVersion,
        },
        loadavg: { start: loadStart, end: loadEnd },
        seconds: {
          psql: psqlS,
          upload: figures.uploadSeconds,
          planLoad: figures.loadSeconds,
          endToEnd: figures.e2eSeconds,
          ready: figures.readySeconds,
        },
        mbPerSecond: {
          psql: psqlS && mb(bytes) / psqlS,
          upload: figures.uploadSeconds && mb(bytes) / figures.uploadSeconds,
          planLoad: figures.loadSeconds && mb(bytes) / figures.loadSeconds,
          endToEnd: figures.e2eSeconds && mb(bytes) / figures.e2eSeconds,
        },
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
        exits: exits ? Object.fromEntries(exits) : undefined,
        problems,
        snapshotsTaken: snapshots.length,
      },
      null,
      2,
    ),
  );
  return problems.length > 0 ? 1 : 0;
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
