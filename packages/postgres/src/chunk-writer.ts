import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LoadPlan } from '@ingest/contracts';
import { beginMergeChunk, copyTargetOf, mergeChunk } from './load-plan';

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
  table: string;
  columns: string[];
  /** Where the rows go: the table, a merge by key, or the job's stage. */
  load: LoadPlan;
}

export type ChunkOutcome =
  | { kind: 'loaded'; loaded: number; rejected: number }
  /** The ledger already had this chunk: a redelivery; nothing was written. */
  | { kind: 'duplicate'; loaded: number; rejected: number };

/**
 * Writes one chunk exactly once: the ledger row, the rows (COPY, and for an
 * upsert the merge by key) and the rejects commit in one transaction. The
 * ledger insert comes first, so a concurrent duplicate delivery blocks on its
 * key and then sees the conflict.
 */
export class ChunkWriter {
  constructor(private readonly pool: Pool) {}

  async write(
    target: ChunkTarget,
    openPayload: () => Promise<ChunkPayload>,
  ): Promise<ChunkOutcome> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const claimed = await client.query(
        `INSERT INTO ingest.chunk_ledger (job_id, chunk_index) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING chunk_index`,
        [target.jobId, target.chunkIndex],
      );
      if (claimed.rowCount === 0) {
        await client.query('ROLLBACK');
        return { kind: 'duplicate', ...(await this.ledgerCounts(client, target)) };
      }
      if (target.load.kind === 'merge') await beginMergeChunk(client, target.table);
      const payload = await openPayload();
      const into = copyTargetOf(target.load, target.table, target.columns);
      const options = payload.format === 'binary' ? ' (FORMAT binary)' : '';
      const copy = client.query(
        copyFrom(`COPY ${into.relation} (${into.columns}) FROM STDIN${options}`),
      );
      // A connection lost mid-COPY can still emit (EPIPE) after the pipeline settled.
      copy.on('error', () => undefined);
      payload.copy.on('error', () => undefined);
      await pipeline(payload.copy, copy);
      if (target.load.kind === 'merge') {
        await mergeChunk(client, target.load, target.table, target.columns);
      }
      const summary = payload.summary();
      await insertRejects(client, target, summary.rejected);
      await client.query(
        `UPDATE ingest.chunk_ledger SET rows_loaded = $3, rows_rejected = $4, bytes = $5,
           committed_at = clock_timestamp()
         WHERE job_id = $1 AND chunk_index = $2`,
        [target.jobId, target.chunkIndex, summary.loaded, summary.rejected.length, target.bytes],
      );
      await client.query('COMMIT');
      return { kind: 'loaded', loaded: summary.loaded, rejected: summary.rejected.length };
    } catch (e) {
      // A failed COPY can leave the connection mid-protocol: discard it rather than reuse.
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release(broken);
    }
  }

  private async ledgerCounts(client: PoolClient, target: ChunkTarget) {
    const { rows } = await client.query<{ rows_loaded: number; rows_rejected: number }>(
      'SELECT rows_loaded, rows_rejected FROM ingest.chunk_ledger WHERE job_id = $1 AND chunk_index = $2',
      [target.jobId, target.chunkIndex],
    );
    return { loaded: rows[0]?.rows_loaded ?? 0, rejected: rows[0]?.rows_rejected ?? 0 };
  }
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
