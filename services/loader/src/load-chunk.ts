import type { ChunkTask } from '@ingest/contracts';
import { readStoredFile, type ObjectStore } from '@ingest/object-store';
import type { JobLifecycle } from '@ingest/jobs';
import type { ChunkWriter } from '@ingest/loading';
import type { DeliveryInfo } from '@ingest/rabbitmq';
import type { Logger } from '@ingest/config';
import type { IngestMetrics } from '@ingest/metrics';
import { codeOf, errors } from '@ingest/errors';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { JobEndedWhileLoading, type ChunkGuard } from './chunk-guard';
import { createCopyPayload, type CopyFormat } from './copy-payload';
import type { Failpoints } from './failpoints';

export interface LoadChunkDeps {
  copyFormat: CopyFormat;
  lifecycle: JobLifecycle;
  writer: ChunkWriter;
  store: ObjectStore;
  logger: Logger;
  failpoints: Failpoints;
  guard: ChunkGuard;
  metrics: IngestMetrics;
}

/**
 * The server's own bound on each statement of a chunk's transaction, past the chunk's budget:
 * if this process is too stuck to abort its COPY (a blocked event loop), the server cancels
 * it, and idle_in_transaction_session_timeout then ends the session and its locks.
 */
const STATEMENT_GRACE_MS = 5000;

/**
 * Loads one chunk exactly once (ledger + rows in one transaction), then
 * reports it: one statement after the commit moves the job on and lets the
 * last chunk end it (JobLifecycle.reportChunk). A
 * redelivered chunk that already committed only repeats the reporting. Any
 * failure is retried while attempts remain; the last chance fails the job with
 * the reason (and the message is dead-lettered), so a chunk never leaves its
 * job `loading` for ever.
 *
 * A chunk whose job is cancelled (or fails) meanwhile is aborted and rolled back, and its
 * message acknowledged: the chunk of an ended job is done. A chunk over its time budget is
 * aborted and rolled back as a retryable CHUNK_TIMEOUT: redelivered, and once its deliveries
 * are spent its job fails with that code.
 */
export async function loadChunk(deps: LoadChunkDeps, task: ChunkTask, delivery: DeliveryInfo) {
  if (task.requestId !== undefined) {
    deps = { ...deps, logger: deps.logger.child({ requestId: task.requestId }) };
  }
  // A redelivery's wait includes the failed attempt before it: only first deliveries count.
  if (delivery.publishedAtMs !== null && delivery.deliveryCount === 0 && !delivery.redelivered) {
    deps.metrics.chunkQueueWaitSeconds.observe(
      Math.max(0, Date.now() - delivery.publishedAtMs) / 1000,
    );
  }
  try {
    await loadAndReport(deps, task);
  } catch (e) {
    if (e instanceof JobEndedWhileLoading) {
      deps.logger.info(
        { jobId: task.jobId, chunk: task.chunkIndex, status: e.status },
        'job ended while its chunk loaded; chunk aborted and rolled back',
      );
      return;
    }
    // Kept so that a chunk dead-lettered later can say what went wrong last.
    await deps.lifecycle
      .recordChunkFailure(task.jobId, task.chunkIndex, codeOf(e), errorText(e))
      .catch((recordError: unknown) =>
        deps.logger.warn({ err: recordError, jobId: task.jobId }, 'could not record the failure'),
      );
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
    // The consumer dead-letters it: the message stays inspectable beside its failed job.
    throw e;
  }
}

async function loadAndReport(deps: LoadChunkDeps, task: ChunkTask): Promise<void> {
  const { lifecycle, logger, failpoints, metrics } = deps;
  const bytes = task.range.end - task.range.start;
  const stopTimer = metrics.chunkLoadSeconds.startTimer();
  const guarded = deps.guard.guard(task.jobId, task.chunkIndex, bytes);
  const outcome = await deps.writer
    .write(
      {
        jobId: task.jobId,
        chunkIndex: task.chunkIndex,
        bytes,
        schema: task.targetSchema,
        table: task.table,
        columns: task.columns,
        load: task.load,
      },
      async () => {
        await failpoints.hit('before-copy', task.chunkIndex);
        const file = { key: task.objectKey, segmentBytes: task.segmentBytes ?? null };
        // The splitter read these bytes before planning the chunk: no one reads them after us.
        const source = await readStoredFile(deps.store, file, task.range, { lastRead: true });
        const payload = createCopyPayload(task, source, deps.copyFormat);
        if (!failpoints.has('mid-copy', task.chunkIndex)) return payload;
        const failing = new FailMidCopy(failpoints, task.chunkIndex);
        // pipeline, not pipe: destroying the last stream (an abort) destroys the source too.
        return { ...payload, copy: pipeline(payload.copy, failing, () => undefined) };
      },
      { signal: guarded.signal, statementTimeoutMs: guarded.budgetMs + STATEMENT_GRACE_MS },
    )
    .catch((e: unknown) => {
      // The server's statement_timeout ended it before the watchdog could: the same verdict.
      if (codeOf(e) === QUERY_CANCELED && /statement timeout/.test(String(e))) {
        throw errors.chunkTimeout(task.chunkIndex, guarded.budgetMs);
      }
      throw e;
    })
    .finally(() => guarded.release());
  if (outcome.kind === 'skipped') {
    logger.info({ jobId: task.jobId, chunk: task.chunkIndex }, 'job gone or ended; skipping chunk');
    return;
  }
  if (outcome.kind === 'loaded') {
    stopTimer();
    metrics.chunksLoaded.inc();
    metrics.rowsLoaded.inc(outcome.loaded);
    metrics.rowsRejected.inc(outcome.rejected);
  }
  await failpoints.hit('after-commit', task.chunkIndex);
  if (outcome.kind === 'duplicate') {
    logger.info(
      { jobId: task.jobId, chunk: task.chunkIndex },
      'chunk already committed (a redelivery); acknowledging without loading',
    );
  }
  const { loaded, rejected } = outcome;
  await lifecycle.reportChunk(task.jobId, task.chunkIndex, { loaded, rejected, bytes });
  logger.debug({ jobId: task.jobId, chunk: task.chunkIndex, ...outcome }, 'chunk done');
}

/** Passes the first COPY buffer on, then hits `mid-copy`: rows are on the wire, nothing committed. */
class FailMidCopy extends Transform {
  private passed = 0;
  constructor(
    private readonly failpoints: Failpoints,
    private readonly chunk: number,
  ) {
    super();
  }
  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.passed++ === 0) return cb(null, data);
    this.failpoints.hit('mid-copy', this.chunk).then(() => cb(null, data), cb);
  }
  override _flush(cb: TransformCallback): void {
    this.failpoints.hit('mid-copy', this.chunk).then(() => cb(), cb);
  }
}

/** SQLSTATE query_canceled: statement_timeout, or a cancel request. */
const QUERY_CANCELED = '57014';

const errorText = (e: unknown): string => {
  const code = codeOf(e);
  const message = e instanceof Error ? e.message : String(e);
  return code === null || message.includes(code) ? message : `${message} (${code})`;
};
