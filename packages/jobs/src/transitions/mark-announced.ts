import type { Queryable } from '@ingest/postgres';

/**
 * Mark a job announced: its terminal event is confirmed on the queue (an
 * outbox flag: until it is set, a redelivered message re-publishes the event).
 * Precondition: the job has ended. Effect: `announced_at` set. Repeated: the
 * first time is kept. A live job is not marked. True when the row changed.
 */
export async function markAnnounced(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE ingest.jobs SET announced_at = now()
     WHERE id = $1 AND ingest.status_rank(status) = 100 AND announced_at IS NULL`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}
