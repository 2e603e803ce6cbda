import { type Dialect, type JobStoredMessage, type LoadPlan } from '@ingest/contracts';
import {
  ChunkPlanner,
  csvSyntaxOf,
  firstRecordLine,
  readFirstRecord,
  readHeaderCells,
  sniffDialect,
  type PlannedChunk,
} from '@ingest/csv';
import type { ObjectStore } from '@ingest/object-store';
import { AppError, errors, isAppError } from '@ingest/errors';
import type { DeliveryInfo } from '@ingest/rabbitmq';
import {
  beginPlanScan,
  recordPlannedChunks,
  recordPlanTemplate,
  type ChunkTaskTemplate,
  type JobLifecycle,
  type JobRecord,
} from '@ingest/jobs';
import { ensureTargetTable, prepareLoadPlan } from '@ingest/loading';
import type { Pool } from '@ingest/postgres';
import type { Logger } from '@ingest/config';
import { compileColumns, sqlType, type TableSchema } from '@ingest/normalize';
import { resolveSchema, sampleRecords } from './job-schema';
import type { WriteTracker } from './derived-object';
import { prepareFollowedSource, prepareSource, type PreparedSource } from './prepare-source';
import { holdPlanLock } from './plan-lock';

export class PlanningStopped extends Error {
  constructor(readonly status: string) {
    super(`job ${status}`);
  }
}

export interface PlanJobDeps {
  lifecycle: JobLifecycle;
  store: ObjectStore;
  pool: Pool;
  /** Told whenever chunks were recorded: their tasks can be dispatched. */
  onChunksRecorded?: () => void;
  logger: Logger;
  defaultChunkBytes: number;
  /** The first chunk's target when the job did not choose its chunk size (0: none). */
  firstChunkBytes?: number;
  maxRecordBytes: number;
  maxDecompressedBytes: number;
  /** See PrepareSourceDeps.derivedSegmentBytes. */
  derivedSegmentBytes?: number;
  tracker?: WriteTracker;
  /** Plans resumable uploads while their bytes arrive. */
  followers?: { follow(job: JobRecord): void };
}

/**
 * Plans one stored job: prepares a plain UTF-8 source, sniffs its dialect,
 * streams it once through the exact chunk planner and records each chunk in
 * the job's plan (Postgres) as soon as its end is known; the dispatcher
 * publishes their tasks, so loading overlaps planning. A scan that failed
 * resumes at the end of the last recorded chunk. Planning is deterministic
 * (same object, same options → same ranges), so a redelivered job message
 * records nothing new.
 */
export async function planJob(
  deps: PlanJobDeps,
  message: JobStoredMessage,
  delivery: DeliveryInfo,
): Promise<void> {
  const { lifecycle } = deps;
  const job = await lifecycle.get(message.jobId);
  if (!job) {
    deps.logger.warn({ jobId: message.jobId }, 'job message for an unknown job; dropping');
    return;
  }
  // Every line about the job names the upload's request (the gateway's access log has it too).
  const logger = job.request_id ? deps.logger.child({ requestId: job.request_id }) : deps.logger;
  deps = { ...deps, logger };
  if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') {
    await lifecycle.settle(job.id); // repairs a lost terminal event, if any
    return;
  }
  if (job.chunks_total !== null) {
    // Planning finished (its totals are written after every task was confirmed): a
    // duplicate message, e.g. one the outbox sweep republished, has nothing left to do.
    await lifecycle.settle(job.id);
    return;
  }
  if (job.status === 'receiving') {
    // A nudge from the gateway: bytes of a resumable upload arrived. Planned while it streams,
    // in the background (a planning slot is not held for the hours an upload may take).
    deps.followers?.follow(job);
    return;
  }
  // Taken: the outbox sweep republishes only jobs no splitter ever took.
  await lifecycle.markPlanningStarted(job.id);
  // One scan of a job at a time: one that followed the upload may still be finishing.
  const lock = await holdPlanLock(deps.pool, job.id, { wait: true });
  try {
    const source = await prepareStoredSource(deps, job);
    if (source.file.key !== job.object_key) {
      await lifecycle.recordSource(job.id, source.file.key);
    }
    await planChunks(deps, job, source);
  } catch (e) {
    if (e instanceof PlanningStopped) {
      logger.info({ jobId: job.id, status: e.status }, 'job ended during planning; stopped');
      return;
    }
    // Retry what may pass next time, but never leave a job `stored` for ever.
    const code = await lifecycle.failUnlessRetrying(job.id, e, delivery.lastChance, {
      exhausted: 'PLANNING_RETRIES_EXHAUSTED',
      unexpected: 'PLANNING_FAILED',
    });
    if (isAppError(e) && e.failure === 'permanent') {
      // The file (or the job's options) is at fault, not the system: the job says why, and
      // the message is done — dead letters are kept for messages the system could not handle.
      logger.info({ jobId: job.id, code }, `job failed: ${e.message}`);
      return;
    }
    if (isAppError(e)) logger.warn({ jobId: job.id, code }, e.message);
    else logger.error({ jobId: job.id, code, err: e }, 'planning failed for good');
    // The consumer dead-letters it: the message stays inspectable beside its failed job.
    throw e;
  } finally {
    await lock?.release();
  }
}

/**
 * The source of a job whose bytes are all stored. An upload that could load
 * while it arrived (it has an upload row) is read as its followers read it, so
 * a plan they began goes on from the same file — a gzip or non-UTF-8 one's
 * text derived segment by segment; any other upload through prepareSource.
 */
async function prepareStoredSource(deps: PlanJobDeps, job: JobRecord): Promise<PreparedSource> {
  const upload = () => deps.lifecycle.uploads.get(job.id);
  const row = await upload();
  const followed =
    row && row.finished_at !== null
      ? await prepareFollowedSource(
          // Finished: the reader never waits for bytes.
          { ...deps, upload, pollMs: 100, idleMs: 60_000, signal: new AbortController().signal },
          job,
          row,
        )
      : null;
  return followed ?? prepareSource(deps, job);
}

/**
 * Streams the source through the exact chunk planner, recording chunks as their
 * ends are known, and finishes the plan at the source's end. A job whose plan
 * was recorded before (a resumed scan, or one that followed the upload) keeps
 * the recorded dialect, so every chunk of it is read alike.
 */
export async function planChunks(deps: PlanJobDeps, job: JobRecord, source: PreparedSource) {
  const sniffed = sniffDialect(source.samples.all, job.dialect_overrides ?? {});
  const recorded = job.load_plan !== null ? job.dialect : null;
  const dialect: Dialect = {
    delimiter: recorded?.delimiter ?? sniffed.delimiter,
    quote: recorded?.quote ?? sniffed.quote,
    header: recorded?.header ?? sniffed.header,
    line_ending: recorded?.line_ending ?? sniffed.lineEnding,
    encoding: source.encoding,
    compression: source.compression,
  };
  // A scan that failed before goes on from its last recorded chunk (a tiny plan starts over).
  const progress = await beginPlanScan(deps.pool, job.id, source.file.key);
  const resumeAt = progress && progress.offset >= 3 ? progress : undefined;
  if (resumeAt) {
    deps.logger.info(
      { jobId: job.id, offset: resumeAt.offset, chunks: resumeAt.chunks },
      'resuming planning',
    );
  }
  const planner = new ChunkPlanner({
    targetChunkBytes: job.chunk_bytes ?? deps.defaultChunkBytes,
    ...(job.chunk_bytes === null && (deps.firstChunkBytes ?? 0) > 0
      ? { firstChunkBytes: deps.firstChunkBytes }
      : {}),
    quote: dialect.quote.charCodeAt(0),
    delimiter: dialect.delimiter.charCodeAt(0),
    maxRecordBytes: deps.maxRecordBytes,
    header: dialect.header,
    ...(resumeAt ? { resumeAt } : {}),
  });
  let layout:
    | {
        columns: string[];
        columnTypes: string[];
        header: string[];
        schema: TableSchema;
        load: LoadPlan;
      }
    | undefined;
  let planned = resumeAt?.chunks ?? 0;
  /** Bytes read since the last record of the plan's progress. */
  let unrecordedBytes = 0;
  let checkedAt = Date.now();

  /** A cancelled (or already failed) job stops planning; checked at most once a second. */
  const stopIfEnded = async () => {
    if (Date.now() - checkedAt < 1000) return;
    checkedAt = Date.now();
    const current = await deps.lifecycle.get(job.id);
    if (current && (current.status === 'cancelled' || current.status === 'failed')) {
      throw new PlanningStopped(current.status);
    }
  };

  /**
   * Once the first record is known: the header, the schema (the job's own, or
   * inferred from the samples), a check that the file has what the schema
   * needs, the typed table (or a check that the existing one fits) — all
   * before the first chunk is published, then remembered on the job.
   */
  const prepareTarget = async () => {
    if (layout) return layout;
    const header = headerFromPlanner(planner, dialect, source);
    const resolved = resolveSchema(job, header, () =>
      sampleRecords(source.samples, source.bytes, dialect, header.length),
    );
    const schemaSource = resolved.source;
    const schema = withLoadKey(resolved.schema, job.load_key);
    compileColumns(schema, header); // SCHEMA_COLUMN_MISSING (422) fails the job now
    const columns = schema.columns.map((c) => c.name);
    const columnTypes = await ensureTargetTable(
      deps.pool,
      { schema: job.target_schema, table: job.table_name },
      schema.columns.map((c) => ({ name: c.name, type: sqlType(c) })),
      job.load_mode === 'upsert' ? job.load_key : null,
    );
    const load = await prepareLoadPlan(deps.pool, {
      jobId: job.id,
      schema: job.target_schema,
      table: job.table_name,
      columns,
      mode: job.load_mode,
      key: job.load_key,
      atomic: job.atomic,
    });
    const headerRaw = dialect.header ? (planner.headerBytes ?? null) : null;
    await deps.lifecycle.recordPlan(job.id, {
      dialect,
      columns,
      schema,
      schemaSource,
      headerRaw,
      loadPlan: load,
    });
    const task: ChunkTaskTemplate = {
      type: 'chunk.load',
      version: 1,
      jobId: job.id,
      objectKey: source.file.key,
      ...(source.file.segmentBytes === null ? {} : { segmentBytes: source.file.segmentBytes }),
      dialect,
      targetSchema: job.target_schema,
      table: job.table_name,
      columns,
      columnTypes,
      schemaVersion: 2,
      schema,
      header,
      load,
      // The loaders' log lines about the job name the upload's request.
      ...(job.request_id ? { requestId: job.request_id } : {}),
    };
    await recordPlanTemplate(deps.pool, {
      jobId: job.id,
      tenant: job.tenant,
      sourceKey: source.file.key,
      task,
      headerRaw,
    });
    layout = { columns, columnTypes, header, schema, load };
    return layout;
  };

  const record = async (chunks: PlannedChunk[]) => {
    if (chunks.length === 0) return;
    await stopIfEnded();
    await prepareTarget();
    await recordPlannedChunks(deps.pool, job.id, chunks, unrecordedBytes);
    unrecordedBytes = 0;
    planned += chunks.length;
    deps.onChunksRecorded?.();
  };

  try {
    for await (const piece of source.read(resumeAt?.offset ?? 0)) {
      unrecordedBytes += piece.length;
      await record(planner.push(piece));
    }
    await record(planner.finish());
  } finally {
    // Count what this scan read past its last record too (best effort: a failing database
    // may refuse it), so the plan shows what every attempt cost.
    if (unrecordedBytes > 0) {
      await recordPlannedChunks(deps.pool, job.id, [], unrecordedBytes).catch(() => undefined);
    }
  }
  // A header-only file is a valid, empty job: the table still gets created.
  await prepareTarget();
  if (planner.bytesScanned !== source.bytes) {
    // A short read must never pass as a complete plan.
    throw errors.storageUnavailable(
      new Error(`read ${planner.bytesScanned} of ${source.bytes} bytes of ${source.file.key}`),
    );
  }
  await deps.lifecycle.finishPlanning(job.id, {
    chunksTotal: planned,
    recordsFound: planner.recordsFound,
    bytesScanned: planner.bytesScanned,
  });
  deps.logger.info(
    {
      jobId: job.id,
      chunks: planned,
      records: planner.recordsFound,
      bytes: planner.bytesScanned,
    },
    'planned',
  );
}

/**
 * The schema with the job's key (from the query or the schema itself): key
 * columns must exist and never take NULL, so an empty key is a reject rather
 * than a failed statement.
 */
function withLoadKey(schema: TableSchema, key: string[] | null): TableSchema {
  if (key === null) return schema;
  const unknown = key.filter((k) => !schema.columns.some((c) => c.name === k));
  if (unknown.length > 0) {
    throw new AppError(
      'LOAD_KEY_UNKNOWN',
      `key ${unknown.map((k) => `"${k}"`).join(', ')} is not a column of the table's schema (${schema.columns.map((c) => c.name).join(', ')})`,
      422,
    );
  }
  return { ...schema, key };
}

/** The header record's cells, or `column_1…n` from the first record's width. */
function headerFromPlanner(planner: ChunkPlanner, dialect: Dialect, source: PreparedSource) {
  const syntax = csvSyntaxOf(dialect);
  if (dialect.header) {
    const header = planner.headerBytes;
    if (!header) throw errors.noHeader();
    return readHeaderCells(header, syntax, firstRecordLine(source.samples.head));
  }
  // A first record whose quote never closes is a record like any other: the loader rejects
  // it (CSV_QUOTE_NOT_CLOSED); its fields so far give the width.
  const first = readFirstRecord(source.samples.head, syntax);
  // Blank lines only: one column, so the (empty) job still has a table to load into.
  const width = first?.fields.length ?? 1;
  return Array.from({ length: width }, (_, i) => `column_${i + 1}`);
}
