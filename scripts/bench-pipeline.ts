/**
 * Memory/throughput benchmark of the whole pipeline against `psql \copy`.
 *
 *   npm run bench -- [--size 1GiB] [--chunk 32MiB] [--loaders 2] [--prefetch 1]
 *                    [--s3 own|shared] [--keep] [--regen] [--timeout 3600] [--stall 180]
 *                    [--pgloader] [--reference 1GiB|none]
 *                    [--shape mixed|narrow|text|all] [--route put|multipart|all]
 *                    [--schema inferred|declared|all]
 *
 * Each combination of --shape × --route × --schema is one run of steps 1-9 (the
 * defaults make one run: mixed, put, inferred); several runs end with a table of
 * their end-to-end times ÷ psql's.
 *
 * 1. Generates (once; reused from bench-data/) a CSV of --size of the shape (mixed: 12
 *    columns; narrow: 7 short ones; text: long quoted free text; see file-shapes.ts),
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
 * 5. Streams the raw file with PUT /v1/jobs/raw (`curl -T`) or as a multipart form
 *    (`curl -F`), with the shape's schema stored as a dataset (declared) or none (the
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
): Promise<RunSummary> {
  if (args.reference === null) return runOnce(args, null, shape, route, declared);
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
  );
  if (reference.code !== 0) {
    log(`the reference run failed; not starting the ${sizeLabel(args.size)} run`);
    return reference;
  }
  return runOnce(args, reference, shape, route, declared);
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
  for (const shapeName of args.shapes) {
    for (const routeName of args.routes) {
      for (const schema of args.schemas) {
        const shape = FILE_SHAPES[shapeName] as FileShape;
        const route = UPLOAD_ROUTES[routeName] as UploadRoute;
        log(`=== ${shapeName} file, ${route.name}, schema ${schema}`);
        const summary = await runCell(args, shape, route, schema === 'declared');
        rows.push({ shape: shapeName, route: route.name, schema, summary });
      }
    }
  }
  if (rows.length > 1) printMatrix(rows);
  return rows.some((r) => r.summary.code !== 0) ? 1 : 0;
}

function printMatrix(rows: MatrixRow[]): void {
  const ratio = (r: RunSummary) =>
    r.e2eSeconds === undefined || r.psqlSeconds === undefined
      ? '–'
      : `${(r.e2eSeconds / r.psqlSeconds).toFixed(2)}×`;
  console.log(
    `\n## matrix at ${sizeLabel(rows[0]?.summary.size ?? 0)} (end to end ÷ psql \\copy of the clean file, same run)\n`,
  );
  console.log(
    table(
      ['shape', 'upload', 'schema', 'rows', 'upload s', 'end to end s', 'psql s', '÷ psql', 'ok'],
      rows.map(({ shape, route, schema, summary: r }) => [
        shape,
        route,
        schema,
        int(r.records),
        sec(r.uploadSeconds),
        sec(r.e2eSeconds),
        sec(r.psqlSeconds),
        ratio(r),
        r.code === 0 ? 'yes' : 'FAILED',
      ]),
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
