/**
 * (b) One job through the running system: upload by a route, follow the job to
 * its end, and record the upload and plan+load windows (wall time and CPU),
 * the milestones seen, and the ledger's view of it.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ApiKeyRepository } from '@ingest/access';
import { createPool } from '@ingest/postgres';
import type { CsvFile } from '../bench-support/csv-generator';
import { scanLog } from '../bench-support/logs';
import { cpuBetween, machineBusySeconds } from '../bench-support/sampler';
import { queueDepths } from '../bench-support/services';
import { int, log, mib, sec } from './bench-output';
import { RABBITMQ_URL, ROOT } from './endpoints';
import { pollJob, type JobView } from './job-poller';
import type { JobFigures, RunContext } from './run-model';
import type { SystemUnderTest } from './system-under-test';
import type { UploadRoute } from './upload-routes';
import type { FileShape } from './file-shapes';
import { warmUpServices } from './warm-up-job';

export const PIPELINE_TABLE = 'bench_pipeline';

/** An API key for the run's own tenant (the services have created their tables by now). */
async function createBenchKey(databaseUrl: string): Promise<string> {
  const pool = createPool({ connectionString: databaseUrl, applicationName: 'bench-keys', max: 1 });
  try {
    return (await new ApiKeyRepository(pool).create('bench', { label: 'npm run bench' })).key;
  } finally {
    await pool.end();
  }
}

/** Stores the shape's schema as the dataset the declared-schema run loads with. */
async function storeDataset(baseUrl: string, apiKey: string, shape: FileShape): Promise<string> {
  const name = `bench_${shape.name}`;
  const res = await fetch(`${baseUrl}/v1/datasets/${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ schema: shape.schema }),
  });
  if (!res.ok)
    throw new Error(`PUT /v1/datasets/${name} answered ${res.status}: ${await res.text()}`);
  return name;
}

/** No progress for --stall seconds fails the run; 30 s once a service logged an error. */
function stallLimit(run: RunContext, system: SystemUnderTest): () => number {
  const stallMs = run.args.stallSeconds * 1000;
  let errorSeenAt = 0;
  let errorChecked = 0;
  return () => {
    if (errorSeenAt === 0 && performance.now() - errorChecked > 2000) {
      errorChecked = performance.now();
      if (system.services.some((s) => scanLog(s.logPath).errors > 0)) {
        errorSeenAt = performance.now();
        log('a service logged at error level; see the summary at the end');
      }
    }
    return errorSeenAt > 0 ? Math.min(30_000, stallMs) : stallMs;
  };
}

/** Uploads the file by `route` and polls the job to its end, filling `job` as it goes. */
export async function runMeasuredJob(
  run: RunContext,
  system: SystemUnderTest,
  route: UploadRoute,
  csv: CsvFile,
  job: JobFigures,
): Promise<JobView> {
  const { sampler } = run;
  const deadline = Date.now() + run.args.timeoutSeconds * 1000;
  const stallMs = stallLimit(run, system);
  const apiKey = await createBenchKey(run.databaseUrl);
  const dataset = run.declared ? await storeDataset(system.baseUrl, apiKey, run.shape) : null;
  if (run.warm) job.warmUpSeconds = await warmUpServices(run, system, route, apiKey, dataset);
  log(`uploading ${int(csv.bytes)} bytes with ${route.name} ...`);
  const u0 = await sampler.mark();
  job.uploadStartedAt = Date.now();
  const tU0 = performance.now();
  // A service dying mid-upload must end the wait, not hang it.
  const upload = await run.crash.race(
    route.upload({
      baseUrl: system.baseUrl,
      apiKey,
      table: PIPELINE_TABLE,
      file: csv.path,
      bytes: csv.bytes,
      dataset,
      track: (pid) => sampler.track(pid, 'curl (sends the file)', 'helper'),
    }),
  );
  const tStored = performance.now();
  const u1 = await sampler.mark();
  job.uploadSeconds = upload.seconds;
  if (upload.jobId === null) {
    throw new Error(`${route.name} answered ${upload.status}: ${upload.body.slice(0, 500)}`);
  }
  const accepted = { id: upload.jobId };
  job.jobId = accepted.id;
  log(`accepted after ${sec(upload.seconds)} s: job ${accepted.id}; polling ...`);

  const poll = await pollJob({
    baseUrl: system.baseUrl,
    apiKey,
    id: accepted.id,
    deadline,
    check: () => run.crash.check(),
    progress: (v) => {
      const rss = system.services
        .map((s) => `${s.name} ${mib(sampler.get(s.pid)?.sampledPeakKiB ?? 0)}`)
        .join(', ');
      log(
        `  ${sec((performance.now() - tU0) / 1000)} s: ${v.status}, chunks ${v.chunks.done}/${v.chunks.total ?? '?'}, ` +
          `rows ${int(v.rows.loaded)} (peak RSS MiB: ${rss})`,
      );
    },
    stallMs,
  });
  const tEnd = performance.now();
  const u2 = await sampler.mark();
  job.snapshotsTaken = 3;
  job.view = poll.view;
  job.loadSeconds = (tEnd - tStored) / 1000;
  job.e2eSeconds = (tEnd - tU0) / 1000;
  job.uploadCpu = { perProcess: cpuBetween(u0, u1), machine: machineBusySeconds(u0, u1) };
  job.loadCpu = { perProcess: cpuBetween(u1, u2), machine: machineBusySeconds(u1, u2) };
  const rel = (t: number | undefined) => (t === undefined ? undefined : (t - tU0) / 1000);
  job.timeline = {
    'stored (202)': rel(tStored),
    "first seen 'planned'": rel(poll.seen.planned),
    "first seen 'loading'": rel(poll.seen.loading),
    'planning done (chunks.total known)': rel(poll.planDoneAt),
    [`'${poll.view.status}'`]: rel(tEnd),
  };
  return poll.view;
}

/**
 * The database's view of the finished job (committed_at is clock_timestamp()
 * just before COMMIT); a job that did not complete is a problem, with its row
 * and first rejects in job-failure.json.
 */
export async function inspectFinishedJob(
  run: RunContext,
  job: JobFigures,
  view: JobView,
): Promise<void> {
  const ledger = await run.db.query<{ n: number; first: Date | null; last: Date | null }>(
    `SELECT count(*)::int AS n, min(committed_at) AS first, max(committed_at) AS last
     FROM ingest.chunk_ledger WHERE job_id = $1`,
    [view.id],
  );
  const l = ledger.rows[0];
  const startedAt = job.uploadStartedAt ?? 0;
  const epochRel = (d: Date | null | undefined) =>
    d ? (d.getTime() - startedAt) / 1000 : undefined;
  job.timeline['first chunk committed (ledger)'] = epochRel(l?.first);
  job.timeline['last chunk committed (ledger)'] = epochRel(l?.last);
  job.ledgerChunks = l?.n;

  if (view.status === 'completed') return;
  const row = await run.db.query<Record<string, unknown>>(
    'SELECT * FROM ingest.jobs WHERE id = $1',
    [view.id],
  );
  const rejects = await run.db.query(
    'SELECT chunk_index, line, code, message, left(raw, 200) AS raw FROM ingest.rejects WHERE job_id = $1 ORDER BY line LIMIT 20',
    [view.id],
  );
  writeFileSync(
    join(run.logDir, 'job-failure.json'),
    JSON.stringify({ view, job: row.rows[0], rejects: rejects.rows }, null, 2),
  );
  run.problems.push(
    `job ended '${view.status}': ${view.error?.code ?? ''} ${view.error?.message ?? ''} ` +
      `(details: ${relative(ROOT, join(run.logDir, 'job-failure.json'))})`,
  );
}

/** What the database and the broker say about a job whose run aborted: job-failure.json. */
export async function dumpAbortedJob(run: RunContext, jobId: string): Promise<void> {
  const job = await run.db.query<Record<string, unknown>>(
    'SELECT * FROM ingest.jobs WHERE id = $1',
    [jobId],
  );
  const ledger = await run.db.query<Record<string, unknown>>(
    `SELECT count(*)::int AS chunks, sum(rows_loaded)::bigint AS loaded,
            sum(rows_rejected)::bigint AS rejected FROM ingest.chunk_ledger WHERE job_id = $1`,
    [jobId],
  );
  const rejects = await run.db.query<Record<string, unknown>>(
    `SELECT chunk_index, line, code, message, left(raw, 200) AS raw
     FROM ingest.rejects WHERE job_id = $1 ORDER BY line LIMIT 20`,
    [jobId],
  );
  const queues = await queueDepths(RABBITMQ_URL, run.queuePrefix).catch((e: unknown) => ({
    error: (e as Error).message,
  }));
  writeFileSync(
    join(run.logDir, 'job-failure.json'),
    JSON.stringify(
      { job: job.rows[0], ledger: ledger.rows[0], rejects: rejects.rows, queues },
      null,
      2,
    ),
  );
}
