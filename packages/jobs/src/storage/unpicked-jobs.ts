import type { Queryable } from '@ingest/postgres';

/**
 * Record that a splitter took the job's message.
 * Precondition: none. Effect: `planning_started_at` set the first time;
 * repeated: kept. Nothing a reader sees changes (no `updated_at`).
 */
export async function markPlanningStarted(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE ingest.jobs SET planning_started_at = now()
     WHERE id = $1 AND planning_started_at IS NULL`,
    [id],
  );
}

/**
 * Claim jobs whose message was lost: `stored` for longer than `graceMs` and
 * never taken by a splitter (a crash between the job insert and its publish).
 * Effect: `republished_at` set, so each is claimed at most once per grace period
 * (a job whose message only waits behind a long queue gets one more message per
 * period, no more). SKIP LOCKED: replicas claim disjoint sets. Returns the ids.
 */
export async function claimUnpickedJobs(
  db: Queryable,
  graceMs: number,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE ingest.jobs SET republished_at = now()
     WHERE id IN (
       SELECT id FROM ingest.jobs
       WHERE status = 'stored' AND planning_started_at IS NULL
         AND created_at <= now() - $1 * interval '1 millisecond'
         AND (republished_at IS NULL OR republished_at <= now() - $1 * interval '1 millisecond')
       ORDER BY created_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED)
     RETURNING id`,
    [graceMs, limit],
  );
  return rows.map((r) => r.id);
}
