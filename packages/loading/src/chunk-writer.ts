import { withTransaction, type Pool, type PoolClient } from '@ingest/postgres';
import { from as copyFrom } from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LoadPlan } from '@ingest/contracts';
import { loadStrategyFor } from './load-strategy-for';

export interface RejectedRow {
  line: number;
  /** Byte offset of the record's start in the scanned source. */
  offset: number;
  code: string;
  message: string;
  /** The target column whose value failed, when one did. */
  column?: string | null;
  /** The record's bytes as they were in the file (terminator excluded). */
  raw: Buffer;
}

export interface ChunkSummary {
  loaded: number;
  rejected: RejectedRow[];
}

/** What a loader hands over: COPY data (text or binary format), and the tally once consumed. */
export interface ChunkPayload {
  copy: Readable;
  format: 'text' | 'binary';
  /** Valid after `copy` has ended. */
  summary(): ChunkSummary;
}

export interface ChunkTarget {
  jobId: string;
  chunkIndex: number;
  /** Size of the chunk's byte range (progress and ETA are measured in bytes). */
  bytes: number;
  /** The tenant's schema the table lives in. */
  schema: string;
  table: string;
  columns: string[];
  /** Where the rows go: the table, a merge by key, or the job's stage. */
  load: LoadPlan;
}

export type ChunkOutcome =
  | { kind: 'loaded'; loaded: number; rejected: number }
  /** The ledger already had this chunk: a redelivery; nothing was written. */
  | { kind: 'duplicate'; loaded: number; rejected: number }
  /** The job is gone, failed or cancelled: nothing was written. */
  | { kind: 'skipped' };

export interface WriteOptions {
  /**
   * Aborts the write: the COPY stream is destroyed (CopyFail), the backend's statement is
   * cancelled (pg_cancel_backend, for a statement the stream cannot reach: a lock wait, the
   * merge after the COPY), the transaction rolls back and `write` rejects with the signal's
   * reason. Nothing of the chunk is committed, unless the abort came after COMMIT began.
   */
  signal?: AbortSignal;
  /**
   * statement_timeout of the chunk's transaction (SET LOCAL): the server cancels its COPY
   * even when this process is too stuck to abort it. Default: the session's.
   */
  statementTimeoutMs?: number;
}

/**
 * Claims the chunk's ledger row unless its job is gone or ended (failed,
 * cancelled: its rows would never be used). A completed job still claims, so
 * a redelivery finds the row and repeats only the reporting. A concurrent
 * duplicate blocks on the ledger key here and then sees the conflict.
 */
const CLAIM = `WITH job AS (SELECT status FROM ingest.jobs WHERE id = $1),
  claimed AS (
    INSERT INTO ingest.chunk_ledger (job_id, chunk_index)
    SELECT $1, $2 FROM job WHERE job.status NOT IN ('failed', 'cancelled')
    ON CONFLICT DO NOTHING
    RETURNING chunk_index)
  SELECT job.status, EXISTS (SELECT 1 FROM claimed) AS claimed FROM job`;

/**
 * Writes one chunk exactly once: the ledger row, the rows (COPY, then what
 * the job's load strategy does after it) and the rejects commit in one
 * transaction. The ledger insert comes first, so a concurrent duplicate
 * delivery blocks on its key and then sees the conflict.
 */
export class ChunkWriter {
  constructor(private readonly pool: Pool) {}

  async write(
    target: ChunkTarget,
    openPayload: () => Promise<ChunkPayload>,
    options: WriteOptions = {},
  ): Promise<ChunkOutcome> {
    const { signal } = options;
    signal?.throwIfAborted();
    const strategy = loadStrategyFor(target.load, {
      jobId: target.jobId,
      schema: target.schema,
      table: target.table,
      columns: target.columns,
    });
    let payload: ChunkPayload | undefined;
    let stopAbortWatch = () => undefined as void;
    try {
      return await withTransaction(this.pool, async (client): Promise<ChunkOutcome> => {
        const { rows: session } = await client.query<{ pid: number }>(
          `SELECT pg_backend_pid() AS pid,
             set_config('statement_timeout', coalesce($1, current_setting('statement_timeout')), true)`,
          [
            options.statementTimeoutMs === undefined
              ? null
              : `${Math.ceil(options.statementTimeoutMs)}ms`,
          ],
        );
        if (signal) {
          const onAbort = () => {
            payload?.copy.destroy(signal.reason as Error);
            void cancelBackend(this.pool, session[0]?.pid);
          };
          signal.addEventListener('abort', onAbort, { once: true });
          stopAbortWatch = () => signal.removeEventListener('abort', onAbort);
          signal.throwIfAborted();
        }
        return await this.writeInTransaction(
          client,
          target,
          strategy,
          async () => {
            payload = await untilAborted(openPayload(), signal);
            return payload;
          },
          signal,
        );
      });
    } catch (e) {
      // The abort is why it failed, whatever error the cancelled statement or stream raised.
      if (signal?.aborted) throw signal.reason;
      throw e;
    } finally {
      stopAbortWatch();
    }
  }

  private async writeInTransaction(
    client: PoolClient,
    target: ChunkTarget,
    strategy: ReturnType<typeof loadStrategyFor>,
    openPayload: () => Promise<ChunkPayload>,
    signal: AbortSignal | undefined,
  ): Promise<ChunkOutcome> {
    const { rows } = await client.query<{ status: string; claimed: boolean }>(CLAIM, [
      target.jobId,
      target.chunkIndex,
    ]);
    const job = rows[0];
    if (!job || job.status === 'failed' || job.status === 'cancelled') return { kind: 'skipped' };
    if (!job.claimed) return { kind: 'duplicate', ...(await ledgerCounts(client, target)) };
    await strategy.beforeCopy(client);
    signal?.throwIfAborted();
    const payload = await openPayload();
    const into = strategy.copyTarget();
    const options = payload.format === 'binary' ? ' (FORMAT binary)' : '';
    const copy = client.query(
      copyFrom(`COPY ${into.relation} (${into.columns}) FROM STDIN${options}`),
    );
    // A connection lost mid-COPY can still emit (EPIPE) after the pipeline settled.
    copy.on('error', () => undefined);
    payload.copy.on('error', () => undefined);
    await pipeline(payload.copy, copy);
    signal?.throwIfAborted();
    await strategy.afterCopy(client);
    signal?.throwIfAborted();
    const summary = payload.summary();
    await insertRejects(client, target, summary.rejected);
    await client.query(
      `UPDATE ingest.chunk_ledger SET rows_loaded = $3, rows_rejected = $4, bytes = $5,
           committed_at = clock_timestamp()
         WHERE job_id = $1 AND chunk_index = $2`,
      [target.jobId, target.chunkIndex, summary.loaded, summary.rejected.length, target.bytes],
    );
    signal?.throwIfAborted();
    return { kind: 'loaded', loaded: summary.loaded, rejected: summary.rejected.length };
  }
}

/**
 * The payload, unless the signal aborts first (storage slow to answer must not hold an
 * aborted chunk): then the reason is thrown, and a payload arriving later is destroyed.
 */
function untilAborted(opening: Promise<ChunkPayload>, signal?: AbortSignal): Promise<ChunkPayload> {
  if (!signal) return opening;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason as Error);
      opening.then(
        (late) => late.copy.destroy(),
        () => undefined,
      );
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    opening.then(
      (payload) => {
        signal.removeEventListener('abort', onAbort);
        resolve(payload);
      },
      (e: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Cancels what the backend runs now (a cancel reaching an idle backend is ignored by the
 * server). Best effort: the destroyed stream and the rollback end the work anyway.
 */
async function cancelBackend(pool: Pool, pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  await pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
}

/** The counts the committed delivery of this chunk recorded (read after the claim waited for it). */
async function ledgerCounts(client: PoolClient, target: ChunkTarget) {
  const { rows } = await client.query<{ rows_loaded: number; rows_rejected: number }>(
    'SELECT rows_loaded, rows_rejected FROM ingest.chunk_ledger WHERE job_id = $1 AND chunk_index = $2',
    [target.jobId, target.chunkIndex],
  );
  return { loaded: rows[0]?.rows_loaded ?? 0, rejected: rows[0]?.rows_rejected ?? 0 };
}

async function insertRejects(client: PoolClient, target: ChunkTarget, rejects: RejectedRow[]) {
  if (rejects.length === 0) return;
  await client.query(
    `INSERT INTO ingest.rejects (job_id, chunk_index, line, code, message, raw, "column", byte_offset)
     SELECT $1, $2, * FROM unnest($3::bigint[], $4::text[], $5::text[], $6::bytea[], $7::text[],
                                  $8::bigint[])`,
    [
      target.jobId,
      target.chunkIndex,
      rejects.map((r) => r.line),
      rejects.map((r) => r.code),
      rejects.map((r) => r.message),
      rejects.map((r) => r.raw),
      rejects.map((r) => r.column ?? null),
      rejects.map((r) => r.offset),
    ],
  );
}
