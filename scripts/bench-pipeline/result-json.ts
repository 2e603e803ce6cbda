/** result.json: every figure of the run, for tools and for comparing runs. */
import { cpus, totalmem } from 'node:os';
import { relative } from 'node:path';
import { mb, perSecond } from './bench-output';
import { ROOT } from './endpoints';
import { psqlRatio } from './report-text';
import type { RunRecord } from './run-model';
import type { ScalingSection } from './scaling-report';

export function resultJson(record: RunRecord, scaling: ScalingSection | undefined): object {
  const { run, csv, baseline, job, verification } = record;
  const bytes = csv.bytes;
  const records = csv.records;
  const psqlS = baseline.psql?.seconds;
  const ratio = psqlRatio(record);
  const peerSeconds = Object.fromEntries(baseline.peers.map((p) => [p.name, p.seconds]));
  const windows = [psqlS, job.uploadSeconds, job.loadSeconds, job.e2eSeconds];
  const per = (amount: number) => {
    const [psql, upload, planLoad, endToEnd] = windows.map((s) => perSecond(amount, s));
    const peers = Object.fromEntries(
      baseline.peers.map((p) => [p.name, perSecond(amount, p.seconds)]),
    );
    return { psql, ...peers, upload, planLoad, endToEnd };
  };
  return {
    runId: run.runId,
    args: run.args,
    services: run.warm ? { state: 'warm', warmUpSeconds: job.warmUpSeconds } : { state: 'fresh' },
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
      postgres: record.serverVersion,
      postgresSettings: record.serverSettings,
    },
    loadavg: { start: record.loadStart, end: record.loadEnd },
    seconds: {
      psql: psqlS,
      ...peerSeconds,
      upload: job.uploadSeconds,
      planLoad: job.loadSeconds,
      endToEnd: job.e2eSeconds,
      ready: record.readySeconds,
    },
    mbPerSecond: per(mb(bytes)),
    rowsPerSecond: per(records),
    timeOverPsql: {
      ...Object.fromEntries(baseline.peers.map((p) => [p.name, ratio(p.seconds)])),
      upload: ratio(job.uploadSeconds),
      planLoad: ratio(job.loadSeconds),
      endToEnd: ratio(job.e2eSeconds),
    },
    // The headline: (b) end to end ÷ (a) psql \copy.
    endToEndOverPsql: ratio(job.e2eSeconds),
    peerLoads: { ran: baseline.peers, skipped: baseline.peersSkipped },
    timeline: job.timeline,
    job: job.view,
    peaksMiB: record.peaks.map((p) => ({
      name: p.name,
      hwm: p.hwmKiB / 1024,
      sampled: p.sampledKiB / 1024,
    })),
    peers: record.processes
      .filter((t) => t.kind !== 'postgres')
      .map((t) => ({ label: t.label, sampledPeakMiB: t.sampledPeakKiB / 1024 })),
    cpuSeconds: {
      psql: Object.fromEntries(baseline.psqlCpu?.perProcess ?? []),
      upload: Object.fromEntries(job.uploadCpu?.perProcess ?? []),
      planLoad: Object.fromEntries(job.loadCpu?.perProcess ?? []),
      machine: {
        psql: baseline.psqlCpu?.machine,
        upload: job.uploadCpu?.machine,
        planLoad: job.loadCpu?.machine,
      },
    },
    counts: verification.counts,
    columnTypes: verification.columnTypes,
    fingerprints: verification.fingerprints,
    scaling: scaling?.json,
    exits: record.exits ? Object.fromEntries(record.exits) : undefined,
    problems: run.problems,
    snapshotsTaken: job.snapshotsTaken,
  };
}
