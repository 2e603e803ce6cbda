import { withTransaction, type Pool } from '@ingest/postgres';
import type { JobRecord } from '../job-record';

/**
 * Ended jobs whose objects outlived their retention, oldest end first. `FOR NO
 * KEY UPDATE SKIP LOCKED`: a replica running the same sweep skips rows another
 * holds, and chunk claims (key-share locks) are not blocked.
 */
const CLAIM_EXPIRED = `SELECT * FROM ingest.jobs
  WHERE object_removed_at IS NULL AND completed_at IS NOT NULL
    AND ingest.status_rank(status) = 100
    AND completed_at + object_retention_seconds * interval '1 second' <= now()
  ORDER BY completed_at
  LIMIT $1
  FOR NO KEY UPDATE SKIP LOCKED`;

/**
 * Remove the objects of expired jobs.
 * Precondition: the job has ended, and longer ago than its retention; a live
 * job is never selected (and cannot become live again). Effect: `remove` runs
 * for each claimed job while its row stays locked, then `object_removed_at` is
 * set for those it removed, in the same transaction. A removal that throws
 * stops the batch: the jobs removed so far are marked, the error is rethrown,
 * and the rest are claimed again by a later pass (removing twice is harmless).
 * Returns the ids marked.
 */
export async function removeExpiredObjects(
  pool: Pool,
  limit: number,
  remove: (job: JobRecord) => Promise<void>,
): Promise<string[]> {
  let failure: Error | undefined;
  const removed = await withTransaction(pool, async (client) => {
    const { rows } = await client.query<JobRecord>(CLAIM_EXPIRED, [limit]);
    const done: string[] = [];
    for (const job of rows) {
      try {
        await remove(job);
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
        break;
      }
      done.push(job.id);
    }
    if (done.length > 0) {
      await client.query(
        'UPDATE ingest.jobs SET object_removed_at = now() WHERE id = ANY($1::uuid[])',
        [done],
      );
    }
    return done;
  });
  if (failure !== undefined) throw failure;
  return removed;
}
