import type { ChunkTask } from '@ingest/contracts';
import type { Queryable } from '@ingest/postgres';

/** What a chunk task carries beyond the job's fields: its place in the object. */
export type ChunkFields = 'chunkIndex' | 'range' | 'firstLine' | 'records' | 'invalidUtf8';
/** The job-level fields every chunk task of a job carries. */
export type ChunkTaskTemplate = Omit<ChunkTask, ChunkFields>;

/** One recorded chunk: a record-aligned byte range and what the scan counted in it. */
export interface RecordedChunk {
  index: number;
  start: number;
  end: number;
  firstLine: number;
  /** Physical line of byte `end`: where a resumed scan continues counting. */
  endLine: number;
  records: number;
  invalidUtf8: boolean;
}

/** Where a recorded plan stopped: a resumed scan continues from here. */
export interface PlanProgress {
  offset: number;
  line: number;
  chunks: number;
  records: number;
  header: Buffer | undefined;
}

/**
 * The progress of the job's recorded plan of `sourceKey`, and a new scan counted from
 * where it stopped; null (and nothing counted) when no chunk of that object is recorded.
 * A plan of another object (a source rewritten differently) is never resumed.
 */
export async function beginPlanScan(
  db: Queryable,
  jobId: string,
  sourceKey: string,
): Promise<PlanProgress | null> {
  const { rows } = await db.query<{
    next_offset: number;
    next_line: number;
    chunks_planned: number;
    records_planned: number;
    header_raw: Buffer | null;
  }>(
    `UPDATE ingest.job_plans SET scans = scans + 1, last_scan_from = next_offset, updated_at = now()
     WHERE job_id = $1 AND source_key = $2 AND chunks_planned > 0
     RETURNING next_offset, next_line, chunks_planned, records_planned, header_raw`,
    [jobId, sourceKey],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    offset: row.next_offset,
    line: row.next_line,
    chunks: row.chunks_planned,
    records: row.records_planned,
    header: row.header_raw ?? undefined,
  };
}

/**
 * Records what every chunk task of the job carries, before its first chunk.
 * Repeated (a resumed or redelivered plan): the same template again. A plan of
 * another source object starts over (its chunks are dropped, none was dispatched
 * since planning is deterministic per object: only a changed rewrite gets here).
 */
export async function recordPlanTemplate(
  db: Queryable,
  plan: {
    jobId: string;
    tenant: string;
    sourceKey: string;
    task: ChunkTaskTemplate;
    headerRaw: Buffer | null;
  },
): Promise<void> {
  await db.query(
    `WITH upserted AS (
       INSERT INTO ingest.job_plans AS p (job_id, tenant, source_key, task, header_raw, scans)
       VALUES ($1, $2, $3, $4, $5, 1)
       ON CONFLICT (job_id) DO UPDATE SET task = EXCLUDED.task, header_raw = EXCLUDED.header_raw,
         updated_at = now(),
         next_offset = CASE WHEN p.source_key = EXCLUDED.source_key THEN p.next_offset ELSE 0 END,
         next_line = CASE WHEN p.source_key = EXCLUDED.source_key THEN p.next_line ELSE 1 END,
         chunks_planned = CASE WHEN p.source_key = EXCLUDED.source_key THEN p.chunks_planned ELSE 0 END,
         records_planned = CASE WHEN p.source_key = EXCLUDED.source_key THEN p.records_planned ELSE 0 END,
         source_key = EXCLUDED.source_key
       RETURNING chunks_planned)
     DELETE FROM ingest.chunk_plan c USING upserted
     WHERE c.job_id = $1 AND upserted.chunks_planned = 0 AND c.dispatched_at IS NULL`,
    [plan.jobId, plan.tenant, plan.sourceKey, JSON.stringify(plan.task), plan.headerRaw],
  );
}

/**
 * Records the next chunks of the plan (consecutive, in order) and moves the plan's
 * progress to the end of the last one, in one statement: the progress never points
 * past a chunk that is not recorded. Repeated (a resumed scan that re-read a
 * stretch): the chunks exist already and the progress does not move back.
 * `bytesRead` adds to the scans' byte count.
 */
export async function recordPlannedChunks(
  db: Queryable,
  jobId: string,
  chunks: readonly RecordedChunk[],
  bytesRead: number,
): Promise<void> {
  const last = chunks[chunks.length - 1];
  if (!last) {
    if (bytesRead > 0) {
      await db.query('UPDATE ingest.job_plans SET bytes_read = bytes_read + $2 WHERE job_id = $1', [
        jobId,
        bytesRead,
      ]);
    }
    return;
  }
  await db.query(
    `WITH inserted AS (
       INSERT INTO ingest.chunk_plan
         (job_id, chunk_index, byte_start, byte_end, first_line, records, invalid_utf8)
       SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::bigint[],
                                $6::bigint[], $7::boolean[])
       ON CONFLICT (job_id, chunk_index) DO NOTHING
       RETURNING records)
     UPDATE ingest.job_plans SET
       records_planned = records_planned + (SELECT coalesce(sum(records), 0) FROM inserted),
       chunks_planned = greatest(chunks_planned, $8),
       next_offset = greatest(next_offset, $9),
       next_line = CASE WHEN $9 > next_offset THEN $10 ELSE next_line END,
       bytes_read = bytes_read + $11,
       updated_at = now()
     WHERE job_id = $1`,
    [
      jobId,
      chunks.map((c) => c.index),
      chunks.map((c) => c.start),
      chunks.map((c) => c.end),
      chunks.map((c) => c.firstLine),
      chunks.map((c) => c.records),
      chunks.map((c) => c.invalidUtf8),
      last.index + 1,
      last.end,
      last.endLine,
      bytesRead,
    ],
  );
}
