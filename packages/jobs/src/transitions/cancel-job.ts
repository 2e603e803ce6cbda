import type { Queryable } from '@ingest/postgres';
import type { JobRecord } from '../job-record';

/**
 * Cancel a job.
 * Precondition: the job is live. Effect: `cancelled`, `completed_at` set;
 * returns the job. Not met (it already ended, whatever the outcome), or
 * repeated: nothing changes, null.
 */
export async function cancelJob(db: Queryable, id: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRecord>(
    `UPDATE ingest.jobs SET status = 'cancelled', completed_at = now(), updated_at = now()
     WHERE id = $1 AND ingest.status_rank(status) < 100
     RETURNING *`,
    [id],
  );
  return rows[0] ?? null;
}
