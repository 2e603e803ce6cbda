/**
 * The printed report (also report.txt): settings and machine, wall time, MB/s,
 * rows/s and time ÷ psql per stage, the job's timeline, memory and CPU per
 * process, the verification figures, shutdown and logs, then the verdict.
 */
import { cpus, totalmem } from 'node:os';
import { relative } from 'node:path';
import { sizeLabel } from '../bench-support/args';
import { int, mb, mib, rate, Report, rowRate, sec, table } from './bench-output';
import { ROOT } from './endpoints';
import type { RunRecord } from './run-model';
import { WARM_UP_BYTES } from './warm-up-job';

/** A window's time ÷ psql \copy's (undefined while either is unknown). */
export function psqlRatio(record: RunRecord): (s: number | undefined) => number | undefined {
  const psqlS = record.baseline.psql?.seconds;
  return (s) => (s === undefined || psqlS === undefined || psqlS <= 0 ? undefined : s / psqlS);
}

function headlineLines(record: RunRecord): string[] {
  const { run, csv, baseline, job } = record;
  const { args } = run;
  const bytes = csv.bytes;
  const records = csv.records;
  const psqlS = baseline.psql?.seconds;
  const ratio = psqlRatio(record);
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
  const { peers } = baseline;
  return [
    '',
    `## bench-pipeline ${run.runId}`,
    '',
    `file: ${relative(ROOT, csv.path)}: ${int(bytes)} bytes (${mb(bytes).toFixed(1)} MB), ` +
      `${int(records)} records, ${run.shape.description}; clean copy for psql: ${relative(ROOT, csv.cleanPath)}, ` +
      `${int(csv.cleanBytes)} bytes (${run.shape.cleanDescription}); ` +
      `schema ${run.declared ? 'declared (a dataset)' : 'inferred'}, upload ${job.route.name}`,
    `settings: --chunk ${sizeLabel(args.chunk)}, --loaders ${args.loaders} (LOADER_PREFETCH ${args.prefetch}), ` +
      `LOG_LEVEL=warn, storage: ${record.storageLabel}, ` +
      `services ready ${sec(record.readySeconds)} s after spawn, ` +
      (run.warm
        ? `then warmed by a ${sizeLabel(WARM_UP_BYTES)} job of the shape through the same route (${sec(job.warmUpSeconds)} s)`
        : 'the measured job their first'),
    `machine: ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}, ` +
      `PostgreSQL ${record.serverVersion}; load average ${record.loadStart.map((x) => x.toFixed(2)).join(' ')} at start, ` +
      `${record.loadEnd.map((x) => x.toFixed(2)).join(' ')} at end`,
    `server: ${record.serverSettings}`,
    '',
    ...table(
      ['stage', 'wall s', 'MB/s', 'rows/s', 'time ÷ psql'],
      [
        stage('(a) psql \\copy (baseline: pre-cleaned file, typed table)', psqlS, '1.00×'),
        ...peers.map((p) =>
          stage(
            `${p.name} (raw file, typed table${p.code === 0 ? '' : `; FAILED, exit ${p.code}`})`,
            p.seconds,
          ),
        ),
        stage(`upload → stored (${job.route.method} to 202)`, job.uploadSeconds),
        stage('plan + load (202 → completed)', job.loadSeconds),
        stage('(b) end to end (upload start → completed)', job.e2eSeconds),
      ],
    ),
    `(b)/(a) end to end ÷ psql \\copy = ${times(job.e2eSeconds)}`,
    `(MB/s counts the raw file's ${int(bytes)} bytes in every stage; the pipeline ` +
      `${run.declared ? 'takes the declared' : 'infers its'} schema, psql${peers.map((p) => `, ${p.name}`).join('')} load into the shape's DDL, checked identical below)`,
    ...baseline.peersSkipped.map((why) => `skipped ${why}`),
    '',
    `timeline (s after the upload started; job ${job.jobId ?? '–'}, ${job.view?.chunks.total ?? '?'} chunks):`,
    ...Object.entries(job.timeline)
      .filter(([, v]) => v !== undefined)
      .sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0))
      .map(([k, v]) => `  ${sec(v).padStart(7)}  ${k}`),
  ];
}

function memoryLines(record: RunRecord): string[] {
  return [
    '',
    ...table(
      ['memory (MiB)', 'peak RSS (VmHWM)', 'max sampled VmRSS'],
      [
        ...record.peaks.map((p) => [p.name, mib(p.hwmKiB), mib(p.sampledKiB)]),
        ...record.processes
          .filter((t) => t.kind === 'peer' || (t.kind === 'helper' && t.label !== 'psql (client)'))
          .map((t) => [t.label, '–', mib(t.sampledPeakKiB)]),
      ],
    ),
  ];
}

function cpuLines(record: RunRecord): string[] {
  const { baseline, job, serviceNames } = record;
  const psqlCpu = baseline.psqlCpu;
  const { uploadCpu, loadCpu } = job;
  if (!psqlCpu || !uploadCpu || !loadCpu) return [];
  const labels = new Set<string>([...serviceNames, ...record.processes.map((t) => t.label)]);
  const order = (label: string) =>
    label.startsWith('postgres:') ? 2 : serviceNames.includes(label) ? 0 : 1;
  const rows = [...labels]
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
    .map((label) => {
      const psql = psqlCpu.perProcess.get(label) ?? 0;
      const up = uploadCpu.perProcess.get(label) ?? 0;
      const load = loadCpu.perProcess.get(label) ?? 0;
      return { label, psql, up, load };
    })
    .filter((r) => r.psql + r.up + r.load >= 0.05);
  const share = (cpu: number, s: number | undefined) =>
    s ? `${((cpu / s) * 100).toFixed(0)} %` : '–';
  const machineJob = uploadCpu.machine + loadCpu.machine;
  // CPU nobody above accounts for: other tenants of the machine, RabbitMQ, Redis, the kernel.
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const otherPsql = Math.max(0, psqlCpu.machine - sum(psqlCpu.perProcess));
  const otherUp = Math.max(0, uploadCpu.machine - sum(uploadCpu.perProcess));
  const otherLoad = Math.max(0, loadCpu.machine - sum(loadCpu.perProcess));
  return [
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
          share(r.up + r.load, job.e2eSeconds),
        ]),
        [
          'everything else (other tenants, RabbitMQ, Redis, kernel)',
          otherPsql.toFixed(1),
          otherUp.toFixed(1),
          otherLoad.toFixed(1),
          (otherUp + otherLoad).toFixed(1),
          share(otherUp + otherLoad, job.e2eSeconds),
        ],
        [
          'whole machine busy (all processes, incl. other tenants)',
          psqlCpu.machine.toFixed(1),
          uploadCpu.machine.toFixed(1),
          loadCpu.machine.toFixed(1),
          machineJob.toFixed(1),
          share(machineJob, job.e2eSeconds),
        ],
      ],
    ),
    `(window wall times: psql ${sec(baseline.psql?.seconds)} s, upload ${sec(job.uploadSeconds)} s, ` +
      `plan+load ${sec(job.loadSeconds)} s; ${cpus().length} cores = ${cpus().length * 100} % max)`,
  ];
}

function verificationLines(record: RunRecord): string[] {
  const { counts, columnTypes, fingerprints } = record.verification;
  const view = record.job.view;
  const lines: string[] = [];
  if (counts) {
    const c = counts;
    lines.push(
      '',
      `verification: pipeline table ${int(c.pipeline.rows)} rows (sum(id) ${c.pipeline.idSum}, ` +
        `${int(c.pipeline.nonNull)} non-null), psql table ${int(c.psql.rows)} rows (sum(id) ${c.psql.idSum}, ` +
        `${int(c.psql.nonNull)} non-null); job: records ${view?.records ?? '–'}, ` +
        `loaded ${view?.rows.loaded ?? '–'}, rejected ${view?.rows.rejected ?? '–'}`,
    );
  }
  if (columnTypes) {
    const t = columnTypes;
    lines.push(
      t.pipeline.join(', ') === t.psql.join(', ')
        ? `column types: identical (${t.psql.join(', ')})`
        : `column types DIFFER: pipeline (${t.pipeline.join(', ')}), psql (${t.psql.join(', ')})`,
    );
  }
  if (fingerprints) {
    const f = fingerprints;
    lines.push(
      `row fingerprints (sum of hashtext(row::text)): pipeline ${f.pipeline}, psql ${f.psql}` +
        Object.entries(f.peers)
          .map(([name, print]) => `, ${name} ${print}`)
          .join(''),
    );
  }
  return lines;
}

function shutdownLines(record: RunRecord): string[] {
  const lines: string[] = [];
  if (record.exits) {
    lines.push(
      `shutdown (SIGTERM): ${[...record.exits]
        .map(
          ([n, x]) =>
            `${n} ${x.killed ? 'KILLED' : `exit ${x.code ?? x.signal}`} ${sec(x.seconds)} s`,
        )
        .join(', ')}`,
    );
  }
  lines.push(
    `service logs (LOG_LEVEL=warn): ${record.logs
      .map((x) => `${x.name} ${x.warnings} warn / ${x.errors} error`)
      .join(', ')}`,
  );
  for (const x of record.logs) {
    for (const line of x.firstErrors) lines.push(`  ${x.name} error: ${line.slice(0, 300)}`);
  }
  lines.push(`logs: ${relative(ROOT, record.run.logDir)}/`);
  return lines;
}

function verdictLines(problems: string[]): string[] {
  if (problems.length === 0) return ['', 'OK: every record arrived exactly once.'];
  return [
    '',
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    `BENCHMARK FAILED (${problems.length} problem${problems.length > 1 ? 's' : ''}):`,
    ...problems.map((p) => `  - ${p}`),
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  ];
}

/** Prints the report; `scalingLines` (a reference run's comparison) go before the verdict. */
export function printReport(record: RunRecord, scalingLines: string[] = []): Report {
  const report = new Report();
  report.add(...headlineLines(record), ...memoryLines(record));
  report.add(...cpuLines(record));
  if (record.helpers.length > 0) {
    report.add('', 'child processes of services:', ...record.helpers.map((h) => `  ${h}`));
  }
  report.add(...verificationLines(record), ...shutdownLines(record));
  report.add(...scalingLines, ...verdictLines(record.run.problems));
  return report;
}
