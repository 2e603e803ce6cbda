/**
 * Memory/throughput benchmark of the whole pipeline against `psql \copy`.
 *
 *   npm run bench -- [--size 1GiB] [--chunk 32MiB] [--loaders 2] [--prefetch 1]
 *                    [--s3 own|shared] [--keep] [--regen] [--timeout 3600] [--stall 180]
 *                    [--peers pgloader,duckdb|all] [--reference 1GiB|none] [--cpu-prof]
 *                    [--shape mixed|narrow|text|all] [--route put|multipart|tus|all]
 *                    [--schema inferred|declared|all] [--storage s3|fs|all] [--repeat 1]
 *                    [--services fresh|warm|all]
 *
 * Each combination of --shape × --route × --schema × --storage × --services is one run of steps 1-9
 * (the defaults make one run: mixed, put, inferred, s3); several runs end with a table of
 * their end-to-end times ÷ psql's and the CPU seconds of each service. --repeat n runs
 * the whole matrix n times, one repetition after the other (so that a change in the
 * machine's load hits every cell alike), and adds the medians and, with both storages,
 * the ratios fs ÷ s3 of each repetition.
 *
 * 1. Refuses a run the disk cannot hold (bench-pipeline/disk-space.ts), then
 *    generates (once; reused from bench-data/) a CSV of --size of the shape (mixed: 12
 *    columns; narrow: 7 short ones; text: long quoted free text; see file-shapes.ts),
 *    and <name>.clean.csv: the same rows with ISO dates and true/false booleans.
 * 2. Creates a fresh database bench_<timestamp>, a unique QUEUE_PREFIX and S3 bucket.
 *    Storage (--storage s3) is a private s3rver started for the run (--s3 own, the
 *    default: the shared one on S3_ENDPOINT is started and stopped by concurrent test
 *    runs) or the shared one (--s3 shared); with --storage fs, a directory of the run's
 *    own (STORAGE_BACKEND=fs) and no S3 server.
 * 3. Baseline: `psql \copy` of the clean file into a table with the pipeline's
 *    column types (DDL from BENCH_SCHEMA via sqlType, as the splitter creates
 *    targets), timed. So the baseline does no conversion the pipeline has to do.
 *    With --peers (each when installed): pgloader, and DuckDB into psql \copy, load the
 *    raw file, converting the date and yes/no themselves, into tables of the same DDL, timed.
 * 4. Spawns 1 gateway, 1 splitter and --loaders loaders as separate processes,
 *    as production runs them: the bundles of `npm run build` (built first;
 *    `--runtime tsx` runs the sources through tsx instead), LOG_LEVEL=warn,
 *    and waits for /readyz and for every consumer to be attached.
 * 5. Streams the raw file with PUT /v1/jobs/raw (`curl -T`) or as a multipart form
 *    (`curl -F`), with the shape's schema stored as a dataset (declared) or none (the
 *    splitter infers the types), time to the 202; polls the job to its end,
 *    recording when it was first seen loading / planned. With --services warm, a 16 MiB
 *    file of the same shape goes through the same route into another table first and
 *    completes before the measured upload starts: the services' code is then compiled
 *    and their pools open, as in a deployment that has served jobs before.
 * 6. Samples VmRSS and CPU (utime+stime) of every service every 200 ms, plus
 *    s3rver, psql and the database's backends; VmHWM is read before stopping.
 * 7. Verifies the target table against psql's: identical column names and
 *    types, count, sum of ids, non-null count of the nullable column, and a
 *    fingerprint of every row (sum of hashtext(row::text)); each peer's table by
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
 * The steps live in scripts/bench-pipeline/ (see its README); this file is the command line.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs, sizeLabel, type BenchArgs } from './bench-support/args';
import { int, log, sec, table } from './bench-pipeline/bench-output';
import { FILE_SHAPES, type FileShape } from './bench-pipeline/file-shapes';
import { ROOT } from './bench-pipeline/endpoints';
import { runOnce } from './bench-pipeline/pipeline-run';
import type { RunSummary } from './bench-pipeline/run-model';
import { UPLOAD_ROUTES, type UploadRoute } from './bench-pipeline/upload-routes';

/** The runs of a matrix, each with the figures its summary line needs. */
interface MatrixRow {
  shape: string;
  route: string;
  schema: string;
  storage: 's3' | 'fs';
  services: 'fresh' | 'warm';
  repetition: number;
  summary: RunSummary;
}

/**
 * One run, or (with a reference size) a reference run first and then the
 * requested one, whose report carries the scaling summary.
 */
async function runCell(
  args: BenchArgs,
  shape: FileShape,
  route: UploadRoute,
  declared: boolean,
  storage: 's3' | 'fs',
  warm: boolean,
): Promise<RunSummary> {
  if (args.reference === null) return runOnce(args, null, shape, route, declared, storage, warm);
  log(
    `reference run at ${sizeLabel(args.reference)} first, then ${sizeLabel(args.size)} ` +
      '(--reference none skips it)',
  );
  const reference = await runOnce(
    { ...args, size: args.reference, reference: null },
    null,
    shape,
    route,
    declared,
    storage,
    warm,
  );
  if (reference.code !== 0) {
    log(`the reference run failed; not starting the ${sizeLabel(args.size)} run`);
    return reference;
  }
  return runOnce(args, reference, shape, route, declared, storage, warm);
}

/** Every shape × route × schema asked for, one after the other, then the table of ratios. */
async function main(args: BenchArgs): Promise<number> {
  if (args.runtime === 'bundle') {
    log('building the service bundles (npm run build) ...');
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error(`npm run build failed (exit ${built.status})`);
  }
  const rows: MatrixRow[] = [];
  for (let repetition = 1; repetition <= args.repeat; repetition++) {
    for (const shapeName of args.shapes) {
      for (const routeName of args.routes) {
        for (const schema of args.schemas) {
          for (const storage of args.storages) {
            for (const services of args.services) {
              const shape = FILE_SHAPES[shapeName] as FileShape;
              const route = UPLOAD_ROUTES[routeName] as UploadRoute;
              const of = args.repeat > 1 ? ` (repetition ${repetition}/${args.repeat})` : '';
              log(
                `=== ${shapeName} file, ${route.name}, schema ${schema}, storage ${storage}, ` +
                  `${services} services${of}`,
              );
              const declared = schema === 'declared';
              const warm = services === 'warm';
              const summary = await runCell(args, shape, route, declared, storage, warm);
              rows.push({
                shape: shapeName,
                route: route.name,
                schema,
                storage,
                services,
                repetition,
                summary,
              });
            }
          }
        }
      }
    }
  }
  if (rows.length > 1) printMatrix(rows);
  if (args.repeat > 1) printMedians(rows, args.storages.length > 1);
  return rows.some((r) => r.summary.code !== 0) ? 1 : 0;
}

/** CPU seconds of the job by role: gateway, splitter, the loaders together, the S3 server. */
function cpuByRole(r: RunSummary) {
  let loaders = 0;
  let storage = 0;
  for (const [label, cpu] of r.jobCpu) {
    if (label.startsWith('loader-')) loaders += cpu;
    if (label.startsWith('s3rver')) storage += cpu;
  }
  const gateway = r.jobCpu.get('gateway') ?? 0;
  const splitter = r.jobCpu.get('splitter') ?? 0;
  return { gateway, splitter, loaders, storage, total: gateway + splitter + loaders + storage };
}

const ratioToPsql = (r: RunSummary) =>
  r.e2eSeconds === undefined || r.psqlSeconds === undefined
    ? undefined
    : r.e2eSeconds / r.psqlSeconds;
const times = (x: number | undefined) => (x === undefined ? '–' : `${x.toFixed(2)}×`);
/** A peer's time ÷ psql's in the same run. */
const peerRatio = (r: RunSummary, peer: string) => {
  const s = r.peerSeconds[peer];
  return s === undefined || r.psqlSeconds === undefined ? undefined : s / r.psqlSeconds;
};
const peerNamesOf = (rows: MatrixRow[]) => [
  ...new Set(rows.flatMap((r) => Object.keys(r.summary.peerSeconds))),
];
const cpuText = (x: number) => x.toFixed(1);

function printMatrix(rows: MatrixRow[]): void {
  const peers = peerNamesOf(rows);
  console.log(
    `\n## matrix at ${sizeLabel(rows[0]?.summary.size ?? 0)} (end to end ÷ psql \\copy of the clean file, same run; ` +
      'CPU s of the job per service: upload + plan+load windows)\n',
  );
  console.log(
    table(
      [
        'shape',
        'upload',
        'schema',
        'storage',
        'services',
        'rep',
        'rows',
        'upload s',
        'end to end s',
        'psql s',
        '÷ psql',
        ...peers.map((p) => `${p} ÷ psql`),
        'CPU gateway',
        'CPU splitter',
        'CPU loaders',
        'CPU s3rver',
        'CPU total',
        'ok',
      ],
      rows.map(({ shape, route, schema, storage, services, repetition, summary: r }) => {
        const cpu = cpuByRole(r);
        return [
          shape,
          route,
          schema,
          storage,
          services,
          String(repetition),
          int(r.records),
          sec(r.uploadSeconds),
          sec(r.e2eSeconds),
          sec(r.psqlSeconds),
          times(ratioToPsql(r)),
          ...peers.map((p) => times(peerRatio(r, p))),
          cpuText(cpu.gateway),
          cpuText(cpu.splitter),
          cpuText(cpu.loaders),
          cpuText(cpu.storage),
          cpuText(cpu.total),
          r.code === 0 ? 'yes' : 'FAILED',
        ];
      }),
    ).join('\n'),
  );
}

const median = (xs: number[]): number | undefined => {
  const sorted = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * Medians of the successful runs of each cell and, with both storages, the median of
 * the ratios fs ÷ s3 taken within each repetition (the two ran back to back).
 */
function printMedians(rows: MatrixRow[], compareStorages: boolean): void {
  const ok = rows.filter((r) => r.summary.code === 0);
  const cellOf = (r: MatrixRow) => `${r.shape}|${r.route}|${r.schema}|${r.services}`;
  const cells = [...new Set(ok.map((r) => `${cellOf(r)}|${r.storage}`))];
  const pick = (rs: MatrixRow[], f: (r: RunSummary) => number | undefined) =>
    median(rs.map((r) => f(r.summary) ?? Number.NaN));
  const peers = peerNamesOf(ok);
  console.log(
    `\n## medians of the successful runs (${rows.length} runs, ${ok.length} succeeded)\n`,
  );
  console.log(
    table(
      [
        'cell',
        'runs',
        'upload s',
        'end to end s',
        '÷ psql',
        ...peers.map((p) => `${p} ÷ psql`),
        'CPU gateway',
        'CPU splitter',
        'CPU loaders',
        'CPU s3rver',
        'CPU total',
      ],
      cells.map((cell) => {
        const rs = ok.filter((r) => `${cellOf(r)}|${r.storage}` === cell);
        const cpu = (k: keyof ReturnType<typeof cpuByRole>) =>
          pick(rs, (r) => cpuByRole(r)[k]) ?? 0;
        return [
          cell.replace(/\|/g, ' '),
          String(rs.length),
          sec(pick(rs, (r) => r.uploadSeconds)),
          sec(pick(rs, (r) => r.e2eSeconds)),
          times(pick(rs, ratioToPsql)),
          ...peers.map((p) => times(pick(rs, (r) => peerRatio(r, p)))),
          cpuText(cpu('gateway')),
          cpuText(cpu('splitter')),
          cpuText(cpu('loaders')),
          cpuText(cpu('storage')),
          cpuText(cpu('total')),
        ];
      }),
    ).join('\n'),
  );
  if (!compareStorages) return;
  const ratios = new Map<string, { e2e: number[]; upload: number[]; cpu: number[] }>();
  for (const fs of ok.filter((r) => r.storage === 'fs')) {
    const s3 = ok.find(
      (r) => r.storage === 's3' && r.repetition === fs.repetition && cellOf(r) === cellOf(fs),
    );
    if (!s3) continue;
    const entry = ratios.get(cellOf(fs)) ?? { e2e: [], upload: [], cpu: [] };
    const a = fs.summary;
    const b = s3.summary;
    if (a.e2eSeconds && b.e2eSeconds) entry.e2e.push(a.e2eSeconds / b.e2eSeconds);
    if (a.uploadSeconds && b.uploadSeconds) entry.upload.push(a.uploadSeconds / b.uploadSeconds);
    entry.cpu.push(cpuByRole(a).total / cpuByRole(b).total);
    ratios.set(cellOf(fs), entry);
  }
  console.log('\n## fs ÷ s3, each ratio within one repetition (median, then every repetition)\n');
  console.log(
    table(
      ['cell', 'pairs', 'end to end', 'upload', 'CPU total (services + s3rver)'],
      [...ratios].map(([cell, r]) => {
        const show = (xs: number[]) =>
          `${times(median(xs))} (${xs.map((x) => x.toFixed(2)).join(', ')})`;
        return [
          cell.replace(/\|/g, ' '),
          String(r.e2e.length),
          show(r.e2e),
          show(r.upload),
          show(r.cpu),
        ];
      }),
    ).join('\n'),
  );
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
