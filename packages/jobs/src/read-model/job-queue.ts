import type { JobQueue } from '@ingest/contracts';
import type { Queryable } from '@ingest/postgres';

/**
 * The job's chunks in the dispatch, from its recorded plan and the ledger: a chunk is
 * in flight from its dispatch until its ledger row commits; its wait for its turn is its
 * first chunk's, from being recorded to being dispatched. Null: no recorded plan.
 */
export async function readJobQueue(db: Queryable, id: string): Promise<JobQueue | null> {
  const { rows } = await db.query<{
    planned: number;
    dispatched: number;
    committed: number;
    waiting_since: Date | null;
    first_dispatched_at: Date | null;
    wait_seconds: number | null;
  }>(
    `SELECT p.chunks_planned AS planned, p.chunks_dispatched AS dispatched,
            (SELECT count(*) FROM ingest.chunk_ledger l WHERE l.job_id = p.job_id)::int AS committed,
            (SELECT c.planned_at FROM ingest.chunk_plan c
             WHERE c.job_id = p.job_id AND c.chunk_index = p.chunks_dispatched) AS waiting_since,
            first.dispatched_at AS first_dispatched_at,
            CASE WHEN first.dispatched_at IS NOT NULL OR ingest.status_rank(j.status) < 100
                 THEN extract(epoch FROM coalesce(first.dispatched_at, clock_timestamp())
                                         - first.planned_at)::float8 END AS wait_seconds
     FROM ingest.job_plans p
     JOIN ingest.jobs j ON j.id = p.job_id
     LEFT JOIN ingest.chunk_plan first ON first.job_id = p.job_id AND first.chunk_index = 0
     WHERE p.job_id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    planned: row.planned,
    dispatched: row.dispatched,
    in_flight: Math.max(0, row.dispatched - row.committed),
    waiting: row.planned - row.dispatched,
    waiting_since: row.waiting_since?.toISOString() ?? null,
    first_dispatched_at: row.first_dispatched_at?.toISOString() ?? null,
    wait_seconds: row.wait_seconds === null ? null : Math.max(0, row.wait_seconds),
  };
}
