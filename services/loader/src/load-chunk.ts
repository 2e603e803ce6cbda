import type { ChunkTask } from '@ingest/contracts';
import type { JobStateStore, ObjectStore } from '@ingest/domain';
import type { JobLifecycle } from '@ingest/job-lifecycle';
import type { ChunkWriter } from '@ingest/postgres';
import type { DeliveryInfo } from '@ingest/rabbitmq';
import type { Logger } from '@ingest/config';
import { createCopyPayload } from './copy-payload';

export interface LoadChunkDeps {
  lifecycle: JobLifecycle;
  writer: ChunkWriter;
  store: ObjectStore;
  state: JobStateStore;
  logger: Logger;
}

/**
 * Loads one chunk exactly once (ledger + rows in one transaction), then
 * reports progress idempotently and lets the last chunk end the job. A
 * redelivered chunk that already committed only repeats the reporting. Any
 * failure is retried while attempts remain; the last chance fails the job with
 * the reason, so a chunk never leaves its job `loading` for ever.
 */
export async function loadChunk(deps: LoadChunkDeps, task: ChunkTask, delivery: DeliveryInfo) {
  try {
    await loadAndReport(deps, task);
  } catch (e) {
    const code = await deps.lifecycle.failUnlessRetrying(
      task.jobId,
      e,
      delivery.lastChance,
      { exhausted: 'CHUNK_RETRIES_EXHAUSTED', unexpected: 'CHUNK_LOAD_FAILED' },
      `chunk ${task.chunkIndex} (bytes ${task.range.start}-${task.range.end})`,
    );
    deps.logger.error(
      { jobId: task.jobId, chunk: task.chunkIndex, code, err: e },
      'chunk failed for good',
    );
  }
}

async function loadAndReport(deps: LoadChunkDeps, task: ChunkTask): Promise<void> {
  const { lifecycle, logger } = deps;
  const job = await lifecycle.jobs.get(task.jobId);
  if (!job || job.status === 'failed' || job.status === 'cancelled') {
    logger.info({ jobId: task.jobId, chunk: task.chunkIndex }, 'job gone or ended; skipping chunk');
    return;
  }
  const bytes = task.range.end - task.range.start;
  const outcome = await deps.writer.write(
    {
      jobId: task.jobId,
      chunkIndex: task.chunkIndex,
      bytes,
      table: task.table,
      columns: task.columns,
    },
    async () => createCopyPayload(task, await deps.store.read(task.objectKey, task.range)),
  );
  await deps.state
    .recordChunk(task.jobId, task.chunkIndex, { ...outcome, bytes })
    .catch((e: unknown) => logger.warn({ err: e, jobId: task.jobId }, 'hot state update failed'));
  await lifecycle.advance(task.jobId, 'loading');
  if (outcome.rejected > 0 && job.max_rejects_count !== null) {
    // A count budget can be judged mid-way; a share only once every row is known (tryFinish).
    const totals = await lifecycle.jobs.rejectTotals(task.jobId);
    if (totals.rejected > Number(job.max_rejects_count)) {
      await lifecycle.fail(
        task.jobId,
        'REJECT_BUDGET_EXCEEDED',
        `${totals.rejected} rows rejected so far, more than max_rejects allows (${job.max_rejects_count})`,
      );
      return;
    }
  }
  await lifecycle.tryFinish(task.jobId);
  logger.debug({ jobId: task.jobId, chunk: task.chunkIndex, ...outcome }, 'chunk done');
}
