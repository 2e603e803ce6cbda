/**
 * Soak: many concurrent uploads of mixed sizes for a while, with random faults, then a full
 * reconciliation of every job: completed, the table holds every row of its file exactly once,
 * one ledger row per chunk, `rows.loaded + rows.rejected` = the file's records.
 *
 *   npx tsx scripts/soak.ts [--minutes 10] [--concurrency 3] [--fault-every 30] [--seed 1]
 *                           [--faults kill-loader,kill-loaders,kill-splitter,restart-redis,restart-s3]
 *   (npm run soak -- --minutes 10)
 *
 * Runs in an isolated environment (own database, queue prefix, bucket) on the local PostgreSQL
 * and RabbitMQ, with a private Redis and a private s3rver of its own (so it may restart them).
 * Gateway and notifier run in this process; the splitter and two loaders as processes, started
 * again after each death as a supervisor would. Faults, one every ~`fault-every` seconds
 * (uniformly 0.5x-1.5x): kill -9 of one loader, of both loaders, of the splitter; a restart of
 * Redis (it comes back empty) or of the S3 server. Uploads send an `Idempotency-Key` and retry
 * with it on a 5xx or a network error. Prints the figures as Markdown; exits 1 on any mismatch.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { JobView } from '@ingest/contracts';
import {
  LoaderProcesses,
  createTestEnvironment,
  peopleFixture,
  seededRandom,
  spawnService,
  startPrivateRedis,
  startSystem,
  type RunningSystem,
  type ServiceProcess,
} from '@ingest/testing';
import { startPrivateS3 } from '../tests/support/private-s3';

const ROOT = resolve(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '3' },
    'fault-every': { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    faults: { type: 'string', default: '' },
  },
});
const MINUTES = Number(args.minutes);
const CONCURRENCY = Number(args.concurrency);
const FAULT_EVERY_S = Number(args['fault-every']);
const random = seededRandom(Number(args.seed));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** File sizes by weight: mostly small and medium, now and then a large one. */
const SHAPES = [
  { name: 'small', rows: 500, weight: 5 },
  { name: 'medium', rows: 20_000, weight: 4 },
  { name: 'large', rows: 150_000, weight: 1 },
] as const;
const CHUNK_SIZES = [65_536, 262_144, 1_048_576];
const FIXTURES = new Map(SHAPES.map((s) => [s.name, peopleFixture(s.rows, s.rows).text]));
const shapeOf = () => {
  const total = SHAPES.reduce((n, s) => n + s.weight, 0);
  let r = random() * total;
  for (const s of SHAPES) if ((r -= s.weight) < 0) return s;
  return SHAPES[0];
};

type Fault =
  'kill one loader' | 'kill both loaders' | 'kill the splitter' | 'restart Redis' | 'restart S3';
const FAULT_NAMES: Record<string, Fault> = {
  'kill-loader': 'kill one loader',
  'kill-loaders': 'kill both loaders',
  'kill-splitter': 'kill the splitter',
  'restart-redis': 'restart Redis',
  'restart-s3': 'restart S3',
};
const FAULTS: Fault[] = (args.faults || Object.keys(FAULT_NAMES).join(','))
  .split(',')
  .map((name) => {
    const fault = FAULT_NAMES[name.trim()];
    if (!fault)
      throw new Error(`--faults: unknown "${name}" (${Object.keys(FAULT_NAMES).join(', ')})`);
    return fault;
  });
/** An upload attempt unanswered after this long is abandoned (and counted) and retried. */
const ATTEMPT_TIMEOUT_MS = 120_000;
let hungAttempts = 0;

interface Submitted {
  id: string;
  table: string;
  shape: string;
  rows: number;
  bytes: number;
  chunkSize: number;
  submittedAt: number;
  attempts: number;
  done?: JobView;
  seconds?: number;
}

/** The splitter as a process, started again 500 ms after it dies until `stop`. */
function superviseSplitter(env: Record<string, string>, logDir: string) {
  let current: ServiceProcess;
  let stopping = false;
  let starts = 0;
  const launch = () => {
    starts++;
    current = spawnService(
      ROOT,
      'splitter',
      'splitter',
      { ...process.env, ...env, LOG_LEVEL: 'warn' },
      logDir,
    );
    void current.exited.then(async () => {
      if (stopping) return;
      await sleep(500);
      if (!stopping) launch();
    });
  };
  launch();
  return {
    kill: () => current.child.kill('SIGKILL'),
    get starts() {
      return starts;
    },
    async stop() {
      stopping = true;
      if (!current.exitInfo) current.child.kill('SIGTERM');
      await current.exited;
    },
  };
}

/** An upload with an Idempotency-Key, retried with it on a 5xx or a network error. */
async function submit(system: RunningSystem, n: number): Promise<Submitted> {
  const shape = shapeOf();
  const text = FIXTURES.get(shape.name) ?? '';
  const chunkSize = pick(CHUNK_SIZES);
  const table = `soak_${n}`;
  const headers = { 'idempotency-key': `soak-${n}` };
  const submittedAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    const res = await system
      .fetch(`/v1/jobs/raw?table=${table}&chunk_size=${chunkSize}`, {
        method: 'PUT',
        headers,
        body: text,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      })
      .catch((e: unknown) => {
        if (e instanceof Error && e.name === 'TimeoutError') {
          hungAttempts++;
          console.log(`  ${table}: attempt ${attempt} unanswered after ${ATTEMPT_TIMEOUT_MS} ms`);
        }
        return undefined;
      });
    if (res && (res.status === 202 || res.status === 200)) {
      const job = (await res.json()) as JobView;
      return {
        id: job.id,
        table,
        shape: shape.name,
        rows: shape.rows,
        bytes: Buffer.byteLength(text),
        chunkSize,
        submittedAt,
        attempts: attempt,
      };
    }
    if (res && res.status < 500)
      throw new Error(`upload ${table}: ${res.status} ${await res.text()}`);
    await res?.body?.cancel();
    if (attempt >= 30) throw new Error(`upload ${table}: gave up after ${attempt} attempts`);
    await sleep(1000);
  }
}

/**
 * The job once it has ended, polled once a second (a key's request rate is limited); a
 * failed poll (the gateway's database or cache restarting, a 429) is tried again.
 */
async function waitForEnd(system: RunningSystem, id: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await system.fetch(`/v1/jobs/${id}`).catch(() => undefined);
    if (res?.ok) {
      const job = (await res.json()) as JobView;
      if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') {
        return job;
      }
    } else {
      await res?.body?.cancel();
    }
    await sleep(1000);
  }
  return undefined;
}

async function reconcile(db: pg.Client, system: RunningSystem, job: Submitted) {
  const problems: string[] = [];
  const done = job.done;
  if (done?.status !== 'completed') {
    problems.push(`status ${done?.status ?? 'unknown'} ${JSON.stringify(done?.error ?? null)}`);
    return { problems, lost: job.rows, duplicated: 0 };
  }
  const { rows } = await db.query<{ n: number; ids: number; sum: string | null }>(
    `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, sum(id)::text AS sum
     FROM ${system.table(job.table)}`,
  );
  const found = rows[0] ?? { n: 0, ids: 0, sum: null };
  const duplicated = found.n - found.ids;
  const lost = job.rows - found.ids;
  if (found.n !== job.rows || found.ids !== job.rows)
    problems.push(`rows ${found.n}/${found.ids} of ${job.rows}`);
  if (found.sum !== String((job.rows * (job.rows + 1)) / 2)) problems.push(`id sum ${found.sum}`);
  if (done.rows.loaded + done.rows.rejected !== job.rows) {
    problems.push(`loaded ${done.rows.loaded} + rejected ${done.rows.rejected} != ${job.rows}`);
  }
  if (done.rows.loaded !== found.n)
    problems.push(`job says ${done.rows.loaded} loaded, table has ${found.n}`);
  const ledger = await db.query<{ n: number; chunks: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT chunk_index)::int AS chunks
     FROM ingest.chunk_ledger WHERE job_id = $1`,
    [job.id],
  );
  const l = ledger.rows[0];
  if (l?.n !== done.chunks.total || l?.chunks !== done.chunks.total) {
    problems.push(`ledger ${l?.n}/${l?.chunks} of ${done.chunks.total} chunks`);
  }
  return { problems, lost: Math.max(0, lost), duplicated };
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

async function main() {
  const redis = await startPrivateRedis();
  const s3 = await startPrivateS3();
  const t = await createTestEnvironment({
    LOG_LEVEL: 'warn',
    REDIS_URL: redis.url,
    S3_ENDPOINT: s3.url,
    WORKER_RETRY_DELAY_MS: '200',
  });
  const logDir = join(ROOT, '.run', 'logs', 'soak', t.env.QUEUE_PREFIX?.replace(/\.$/, '') ?? 'x');
  mkdirSync(logDir, { recursive: true });
  const system = await startSystem(t.env, { loaders: 0, splitter: false });
  const splitter = superviseSplitter(t.env, logDir);
  const loaders = new LoaderProcesses(t.env);
  // Restarted at once after each death, as a supervisor would, for the whole run.
  await loaders.start([
    { name: 'loader-1', restarts: 100_000 },
    { name: 'loader-2', restarts: 100_000 },
  ]);
  const db = await t.db();
  // Whatever happens, the processes, servers and the environment are stopped and removed.
  try {
    console.log(
      `soak: ${MINUTES} min, ${CONCURRENCY} concurrent uploads, a fault every ~${FAULT_EVERY_S} s; logs ${logDir}`,
    );

    const started = Date.now();
    const endAt = started + MINUTES * 60_000;
    const jobs: Submitted[] = [];
    const faults: { at: number; fault: Fault }[] = [];
    let next = 0;

    const client = async () => {
      while (Date.now() < endAt) {
        const job = await submit(system, next++);
        jobs.push(job);
        job.done = await waitForEnd(system, job.id, 15 * 60_000);
        job.seconds = (Date.now() - job.submittedAt) / 1000;
      }
    };
    const injectFaults = async () => {
      for (;;) {
        await sleep(FAULT_EVERY_S * 1000 * (0.5 + random()));
        if (Date.now() >= endAt) return;
        const fault = pick(FAULTS);
        faults.push({ at: (Date.now() - started) / 1000, fault });
        console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s: ${fault}`);
        const live = loaders.history.filter((p) => !p.exitInfo);
        switch (fault) {
          case 'kill one loader':
            live[0]?.child.kill('SIGKILL');
            break;
          case 'kill both loaders':
            for (const p of live) p.child.kill('SIGKILL');
            break;
          case 'kill the splitter':
            splitter.kill();
            break;
          case 'restart Redis':
            await redis.restart();
            break;
          case 'restart S3':
            await s3.restart(1000);
            break;
        }
      }
    };
    await Promise.all([...Array.from({ length: CONCURRENCY }, client), injectFaults()]);
    const wallSeconds = (Date.now() - started) / 1000;

    let failedJobs = 0;
    let lost = 0;
    let duplicated = 0;
    for (const job of jobs) {
      const result = await reconcile(db, system, job);
      lost += result.lost;
      duplicated += result.duplicated;
      if (result.problems.length > 0) {
        failedJobs++;
        console.log(
          `  MISMATCH ${job.id} (${job.table}, ${job.shape}): ${result.problems.join('; ')}`,
        );
      }
    }

    const bytes = jobs.reduce((n, j) => n + j.bytes, 0);
    const rows = jobs.reduce((n, j) => n + j.rows, 0);
    const latencies = jobs.map((j) => j.seconds ?? 0);
    const retried = jobs.filter((j) => j.attempts > 1).length;
    const faultCounts = FAULTS.map((f) => `${faults.filter((x) => x.fault === f).length} × ${f}`);
    console.log(`
| figure | value |
|---|---|
| duration (wall, until the last job ended) | ${wallSeconds.toFixed(0)} s |
| concurrent uploads | ${CONCURRENCY} |
| jobs (small / medium / large) | ${jobs.length} (${SHAPES.map((s) => jobs.filter((j) => j.shape === s.name).length).join(' / ')}) |
| data | ${(bytes / 1024 / 1024).toFixed(1)} MiB, ${rows.toLocaleString('en')} rows |
| faults | ${faults.length}: ${faultCounts.join(', ')} |
| process restarts | splitter ${splitter.starts - 1}, loaders ${loaders.history.length - 2} |
| uploads retried with their key | ${retried} (attempts unanswered for ${ATTEMPT_TIMEOUT_MS / 1000} s: ${hungAttempts}) |
| job latency p50 / p95 / max | ${percentile(latencies, 0.5).toFixed(1)} / ${percentile(latencies, 0.95).toFixed(1)} / ${Math.max(0, ...latencies).toFixed(1)} s |
| jobs reconciled exactly (completed, every row once, ledger complete) | ${jobs.length - failedJobs} of ${jobs.length} |
| rows lost / duplicated | ${lost} / ${duplicated} |
`);

    process.exitCode = failedJobs === 0 ? 0 : 1;
  } finally {
    await db.end();
    await loaders.stop();
    await splitter.stop();
    await system.stop();
    await t.cleanup();
    await s3.stop();
    await redis.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
