import type { Queryable } from '@ingest/postgres';
import type { JobProgress } from '../job-record';
import { readJobQueue } from './job-queue';

/** A job's progress from the ledger (committed chunks only) and its most frequent reject reasons. */
export async function readJobProgress(db: Queryable, id: string): Promise<JobProgress> {
  const { rows } = await db.query<{
    chunks: number;
    loaded: number;
    rejected: number;
    indexes: number[];
    bytes: number;
  }>(
    `SELECT count(*)::int AS chunks, coalesce(sum(rows_loaded), 0)::bigint AS loaded,
            coalesce(sum(rows_rejected), 0)::bigint AS rejected,
            coalesce(array_agg(chunk_index), '{}') AS indexes,
            coalesce(sum(bytes), 0)::bigint AS bytes
     FROM ingest.chunk_ledger WHERE job_id = $1`,
    [id],
  );
  const row = rows[0];
  const top = await db.query<{ code: string; count: number }>(
    `SELECT code, count(*)::int AS count FROM ingest.rejects WHERE job_id = $1
     GROUP BY code ORDER BY count(*) DESC, code LIMIT 5`,
    [id],
  );
  const queue = await readJobQueue(db, id);
  return {
    ...(queue ? { queue } : {}),
    rejectsTop: top.rows,
    chunksDone: row?.chunks ?? 0,
    rowsLoaded: row?.loaded ?? 0,
    rowsRejected: row?.rejected ?? 0,
    chunkIndexes: row?.indexes ?? [],
    bytesDone: row?.bytes ?? 0,
  };
}
