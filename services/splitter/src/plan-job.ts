import { DEFAULT_DIALECT, QUEUES, type ChunkTask, type JobStoredMessage } from '@ingest/contracts';
import {
  ChunkPlanner,
  type MessagePublisher,
  type ObjectStore,
  type PlannedChunk,
} from '@ingest/domain';
import { errors, isAppError } from '@ingest/errors';
import type { JobLifecycle } from '@ingest/job-lifecycle';
import { ensureTargetTable, type JobRecord, type Pool } from '@ingest/postgres';
import type { Logger } from '@ingest/config';
import { columnsFromHeader } from './header-columns';

export interface PlanJobDeps {
  lifecycle: JobLifecycle;
  store: ObjectStore;
  publisher: MessagePublisher;
  pool: Pool;
  logger: Logger;
  defaultChunkBytes: number;
  maxRecordBytes: number;
}

/**
 * Plans one stored job: streams its object once through the exact chunk
 * planner and publishes each chunk task as soon as its end is known, so loading
 * overlaps planning. Planning is deterministic (same object, same chunk size →
 * same ranges), so a redelivered job message republishes identical tasks, and
 * the loaders' ledger turns the repeats into no-ops.
 */
export async function planJob(deps: PlanJobDeps, message: JobStoredMessage): Promise<void> {
  const { lifecycle, logger } = deps;
  const job = await lifecycle.jobs.get(message.jobId);
  if (!job) {
    logger.warn({ jobId: message.jobId }, 'job message for an unknown job; dropping');
    return;
  }
  if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') {
    await lifecycle.tryFinish(job.id); // repairs a lost terminal event, if any
    return;
  }
  try {
    await planChunks(deps, job);
  } catch (e) {
    if (!isAppError(e) || e.failure === 'retryable') throw e;
    logger.warn({ jobId: job.id, code: e.code }, e.message);
    await lifecycle.fail(job.id, e.code, e.message);
  }
}

async function planChunks(deps: PlanJobDeps, job: JobRecord): Promise<void> {
  const dialect = DEFAULT_DIALECT;
  const planner = new ChunkPlanner({
    targetChunkBytes: job.chunk_bytes ?? deps.defaultChunkBytes,
    quote: dialect.quote.charCodeAt(0),
    maxRecordBytes: deps.maxRecordBytes,
    header: dialect.header,
  });
  let columns: string[] | undefined;
  let published = 0;

  /** Once the header is known: name the columns, make sure the table fits, remember both. */
  const prepareTarget = async (): Promise<string[]> => {
    if (columns) return columns;
    const header = planner.headerBytes;
    if (!header) throw errors.noHeader();
    const named = columnsFromHeader(header, dialect);
    await ensureTargetTable(deps.pool, job.table_name, named);
    await deps.lifecycle.jobs.recordLayout(job.id, dialect, named);
    columns = named;
    return named;
  };

  const publish = async (chunks: PlannedChunk[]) => {
    if (chunks.length === 0) return;
    const columns = await prepareTarget();
    for (const chunk of chunks) {
      const task: ChunkTask = {
        type: 'chunk.load',
        version: 1,
        jobId: job.id,
        chunkIndex: chunk.index,
        objectKey: job.object_key,
        range: { start: chunk.start, end: chunk.end },
        firstLine: chunk.firstLine,
        records: chunk.records,
        dialect,
        table: job.table_name,
        columns,
        schemaVersion: 1,
      };
      await deps.publisher.publish(QUEUES.chunks, task, { messageId: `${job.id}:${chunk.index}` });
      published++;
    }
  };

  const body = await deps.store.read(job.object_key);
  try {
    for await (const piece of body) await publish(planner.push(piece as Buffer));
    await publish(planner.finish());
  } finally {
    body.destroy();
  }
  // A header-only file is a valid, empty job: the table still gets created.
  await prepareTarget();
  if (planner.bytesScanned !== job.bytes) {
    // A short read must never pass as a complete plan.
    throw errors.storageUnavailable(
      new Error(`read ${planner.bytesScanned} of ${job.bytes} stored bytes`),
    );
  }
  await deps.lifecycle.jobs.finishPlanning(job.id, published, planner.recordsFound);
  deps.logger.info(
    {
      jobId: job.id,
      chunks: published,
      records: planner.recordsFound,
      bytes: planner.bytesScanned,
    },
    'planned',
  );
  await deps.lifecycle.refresh(job.id);
  await deps.lifecycle.tryFinish(job.id);
}
