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
 * The steps live in scripts/bench-pipeline/ (see its README); this file is the command line.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs, sizeLabel, type BenchArgs } from './bench-support/args';
import { log } from './bench-pipeline/bench-output';
import { ROOT } from './bench-pipeline/endpoints';
import { runOnce } from './bench-pipeline/pipeline-run';

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
