import type { Queryable } from '@ingest/postgres';

export interface PlanTotals {
  chunksTotal: number;
  recordsFound: number;
  bytesScanned: number;
}

/**
 * Finish planning.
 * Precondition: the job is live (not completed, failed or cancelled).
 * Effect: records the plan's totals and `planned_at`, and moves a `stored`
 * job to `planned`; a job already `loading` (loading overlaps planning) keeps
 * its status. Repeated (a redelivered job message): the same totals again,
 * `planned_at` kept. An ended job is left as it is. True when the row changed.
 */
export async function finishPlanning(
  db: Queryable,
  id: string,
  totals: PlanTotals,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE ingest.jobs SET chunks_total = $2, records_found = $3, bytes_scanned = $4,
       planned_at = coalesce(planned_at, now()),
       updated_at = now(),
       status = CASE WHEN ingest.status_rank(status) < ingest.status_rank('planned')
                     THEN 'planned' ELSE status END
     WHERE id = $1 AND ingest.status_rank(status) < 100`,
    [id, totals.chunksTotal, totals.recordsFound, totals.bytesScanned],
  );
  return (rowCount ?? 0) > 0;
}
