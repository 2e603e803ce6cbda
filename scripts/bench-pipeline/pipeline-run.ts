/**
 * One benchmark run, step by step: the file, the run's own resources, the
 * psql baseline (and pgloader), the system, one measured job, verification,
 * shutdown and cleanup, then the report.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { sizeLabel, type BenchArgs } from '../bench-support/args';
import type { CsvFile } from '../bench-support/csv-generator';
import { Sampler } from '../bench-support/sampler';
import { int, log, sec, stamp } from './bench-output';
import { CrashWatch } from './crash-watch';
import { checkDiskSpace } from './disk-space';
import { ROOT } from './endpoints';
import { MIXED_SHAPE, type FileShape } from './file-shapes';
import { dumpAbortedJob, inspectFinishedJob, runMeasuredJob } from './measured-job';
import { runPeers } from './peers';
import { measurePsqlBaseline } from './psql-baseline';
import { printReport } from './report-text';
import { resultJson } from './result-json';
import {
  createRunDatabase,
  releaseRunResources,
  RunStorage,
  type RunDatabase,
} from './run-resources';
import type {
  BaselineFigures,
  JobFigures,
  Peak,
  RunContext,
  RunRecord,
  RunSummary,
  VerificationFigures,
} from './run-model';
import { scalingSection } from './scaling-report';
import { SystemUnderTest, type ServiceExits } from './system-under-test';
import { RAW_PUT, type UploadRoute } from './upload-routes';
import { verifyRun } from './verification';

/** The shape's file at --size, generated once and reused from bench-data/. */
async function prepareFile(shape: FileShape, args: BenchArgs): Promise<CsvFile> {
  const csvPath = join(ROOT, 'bench-data', `${shape.name}-${sizeLabel(args.size)}.csv`);
  await checkDiskSpace(join(ROOT, 'bench-data'), args.size, args.regen || !existsSync(csvPath));
  log(`${args.regen ? 'regenerating' : 'preparing'} ${relative(ROOT, csvPath)} ...`);
  const csv = shape.ensure(csvPath, args.size, args.regen);
  log(
    csv.generated
      ? `generated ${int(csv.bytes)} bytes (clean copy ${int(csv.cleanBytes)}), ${int(csv.records)} records in ${sec(csv.generateSeconds ?? 0)} s`
      : `reusing ${int(csv.bytes)} bytes (clean copy ${int(csv.cleanBytes)}), ${int(csv.records)} records`,
  );
  // The kernel writes the new files back within ~30 s: during the first psql baseline, which
  // then ran 1.2-1.4x slower than the shape's later ones (1 GiB, 4 December).
  if (csv.generated) execFileSync('sync');
  return csv;
}

/** Samples every tracked process every 200 ms into timeline.csv, this process first. */
function startSampling(logDir: string, database: RunDatabase) {
  const timeline = createWriteStream(join(logDir, 'timeline.csv'));
  const sampler = new Sampler(timeline, { client: database.admin, database: database.database });
  sampler.track(process.pid, 'bench client (this process)', 'client');
  sampler.start(200);
  return {
    sampler,
    stop() {
      sampler.stop();
      timeline.end();
    },
  };
}

/** CPU seconds per process over the job's two windows (upload, plan+load). */
function jobCpuOf(job: JobFigures): Map<string, number> {
  const total = new Map<string, number>();
  for (const window of [job.uploadCpu, job.loadCpu]) {
    for (const [label, cpu] of window?.perProcess ?? []) {
      total.set(label, (total.get(label) ?? 0) + cpu);
    }
  }
  return total;
}

export async function runOnce(
  args: BenchArgs,
  reference: RunSummary | null,
  shape: FileShape = MIXED_SHAPE,
  route: UploadRoute = RAW_PUT,
  declared = false,
  storageBackend: 's3' | 'fs' = 's3',
  warm = false,
): Promise<RunSummary> {
  const runId = `bench_${stamp()}`;
  const logDir = join(ROOT, 'bench-data', 'logs', runId);
  mkdirSync(logDir, { recursive: true });
  log(`run ${runId}; logs in ${relative(ROOT, logDir)}/`);
  const csv = await prepareFile(shape, args);
  const database = await createRunDatabase(runId);
  const sampling = startSampling(logDir, database);
  const loadStart = loadavg();
  const run: RunContext = {
    args,
    shape,
    declared,
    warm,
    runId,
    logDir,
    database: database.database,
    databaseUrl: database.databaseUrl,
    queuePrefix: `${runId}.`,
    bucket: runId.replace(/_/g, '-'),
    storage: storageBackend,
    admin: database.admin,
    db: database.db,
    sampler: sampling.sampler,
    crash: new CrashWatch(),
    problems: [],
  };
  const releaseSignals = run.crash.catchSignals();
  const storage = new RunStorage(run);
  const system = new SystemUnderTest(run);
  const baseline: BaselineFigures = { peers: [], peersSkipped: [] };
  const job: JobFigures = {
    route: { name: route.name, method: route.method },
    timeline: {},
    snapshotsTaken: 0,
  };
  const verification: VerificationFigures = {};
  let peaks: Peak[] = [];
  let exits: ServiceExits | undefined;

  try {
    await storage.start();
    const psql = await measurePsqlBaseline(run, csv, baseline);
    await runPeers(run, csv, baseline);
    await system.start(storage.env);
    const view = await runMeasuredJob(run, system, route, csv, job);
    peaks = system.readPeaks();
    await inspectFinishedJob(run, job, view);
    await verifyRun(run, { csv, psql, peers: baseline.peers, view, job }, verification);
  } catch (e) {
    run.problems.unshift(`run aborted: ${(e as Error).message}`);
    if (job.jobId) await dumpAbortedJob(run, job.jobId).catch(() => undefined);
    if (peaks.length === 0) peaks = system.readPeaks(); // as far as they got
  } finally {
    exits = await system.stop();
    await storage.stop();
    sampling.stop();
    await releaseRunResources(run, storage);
  }

  const record: RunRecord = {
    run,
    csv,
    storageLabel: storage.label,
    serverVersion: database.serverVersion,
    serverSettings: database.serverSettings,
    loadStart,
    loadEnd: loadavg(),
    readySeconds: system.readySeconds,
    baseline,
    job,
    verification,
    peaks,
    processes: run.sampler.list(),
    serviceNames: system.services.map((s) => s.name),
    helpers: system.helpers,
    exits,
    logs: system.scanLogs(),
  };
  const summary: RunSummary = {
    code: run.problems.length > 0 ? 1 : 0,
    runId,
    size: args.size,
    bytes: csv.bytes,
    records: csv.records,
    psqlSeconds: baseline.psql?.seconds,
    peerSeconds: Object.fromEntries(
      baseline.peers.filter((p) => p.code === 0).map((p) => [p.name, p.seconds]),
    ),
    e2eSeconds: job.e2eSeconds,
    uploadSeconds: job.uploadSeconds,
    peaks,
    jobCpu: jobCpuOf(job),
  };
  const scaling = reference ? scalingSection(reference, summary) : undefined;
  const report = printReport(record, scaling?.lines);
  writeFileSync(join(logDir, 'report.txt'), `${report.lines.join('\n')}\n`);
  writeFileSync(join(logDir, 'result.json'), JSON.stringify(resultJson(record, scaling), null, 2));
  releaseSignals();
  return summary;
}
