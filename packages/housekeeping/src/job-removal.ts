import { errors } from '@ingest/errors';
import type { JobLifecycle } from '@ingest/jobs';
import { removeUploadObjects, type ObjectStore } from '@ingest/object-store';
import type { SweepLogger } from './sweeps/sweep-context';

export interface JobRemovalDeps {
  lifecycle: JobLifecycle;
  store: ObjectStore;
  logger: SweepLogger;
}

/**
 * Deletes an ended job of the tenant: its rows (job, ledger, rejects, chunk
 * failures, dead letters, webhook deliveries), its hot state and its objects.
 * Another tenant's or an unknown job is JOB_NOT_FOUND; a live one
 * JOB_NOT_ENDED. Objects that cannot be removed now (storage down) belong to
 * no job any more, so the orphan sweep removes them later.
 */
export async function removeJob(deps: JobRemovalDeps, jobId: string, tenant: string) {
  const outcome = await deps.lifecycle.delete(jobId, tenant);
  if (outcome.kind === 'missing') throw errors.jobNotFound(jobId);
  if (outcome.kind === 'live') throw errors.jobNotEnded(jobId, outcome.status);
  await removeUploadObjects(deps.store, outcome.job.object_key).catch((e: unknown) => {
    deps.logger.warn(
      { err: e, jobId, objectKey: outcome.job.object_key },
      'objects of a deleted job not removed yet; the orphan sweep will',
    );
  });
}
