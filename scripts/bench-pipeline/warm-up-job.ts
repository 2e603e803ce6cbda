/**
 * --services warm: one small job of the run's shape through the run's route before the
 * measured one, so that the measured job meets services whose code V8 has compiled and
 * whose pools are open, as a deployment that has served jobs before does. Its rows go to
 * a table of their own; the job must complete with every record loaded.
 */
import { join } from 'node:path';
import { MIB, sizeLabel } from '../bench-support/args';
import { int, log, sec } from './bench-output';
import { ROOT } from './endpoints';
import { pollJob } from './job-poller';
import type { RunContext } from './run-model';
import type { SystemUnderTest } from './system-under-test';
import type { UploadRoute } from './upload-routes';

export const WARM_UP_TABLE = 'bench_warm_up';
/** Large enough for a few chunks of the splitter's ramp, so that both loaders get work. */
export const WARM_UP_BYTES = 16 * MIB;

/** Runs the warm-up job to its end; seconds it took. Throws unless it completed whole. */
export async function warmUpServices(
  run: RunContext,
  system: SystemUnderTest,
  route: UploadRoute,
  apiKey: string,
  dataset: string | null,
): Promise<number> {
  const path = join(
    ROOT,
    'bench-data',
    `${run.shape.name}-warm-up-${sizeLabel(WARM_UP_BYTES)}.csv`,
  );
  const csv = run.shape.ensure(path, WARM_UP_BYTES, false);
  log(`warming the services: ${int(csv.records)} records with ${route.name} ...`);
  const t0 = performance.now();
  const upload = await run.crash.race(
    route.upload({
      baseUrl: system.baseUrl,
      apiKey,
      table: WARM_UP_TABLE,
      file: csv.path,
      bytes: csv.bytes,
      dataset,
      track: () => undefined,
    }),
  );
  if (upload.jobId === null) {
    throw new Error(
      `warm-up: ${route.name} answered ${upload.status}: ${upload.body.slice(0, 500)}`,
    );
  }
  const { view } = await pollJob({
    baseUrl: system.baseUrl,
    apiKey,
    id: upload.jobId,
    deadline: Date.now() + 300_000,
    check: () => run.crash.check(),
    progress: () => undefined,
    stallMs: () => 60_000,
  });
  if (view.status !== 'completed' || view.rows.loaded !== csv.records) {
    throw new Error(
      `warm-up job ${view.id} ended ${view.status} with ${view.rows.loaded} of ${csv.records} records loaded`,
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`warm-up job completed in ${sec(seconds)} s`);
  return seconds;
}
