import { withTransaction, type Pool } from '@ingest/postgres';
import type { JobRecord } from '../job-record';
import { UPLOAD_LOCK_KEY } from '../resumable/resumable-upload-records';

/**
 * Terminate a resumable upload (tus DELETE), under its lock.
 * Precondition: the job is live. Effect: `cancelled`, the upload finished and its
 * objects marked removed (the caller removes them). Not met: null, nothing changes.
 */
export async function terminateUpload(pool: Pool, jobId: string): Promise<JobRecord | null> {
  const { rows } = await pool.query<JobRecord>(
    `WITH ended AS (
       UPDATE ingest.jobs SET status = 'cancelled', completed_at = now(), updated_at = now(),
         object_removed_at = now()
       WHERE id = $1 AND ingest.status_rank(status) < 100
       RETURNING *),
     upload AS (
       UPDATE ingest.resumable_uploads SET finished_at = now()
       WHERE job_id = $1 AND finished_at IS NULL AND EXISTS (SELECT 1 FROM ended))
     SELECT * FROM ended`,
    [jobId],
  );
  return rows[0] ?? null;
}

/**
 * Expire abandoned uploads: at most `limit` unfinished uploads past `expires_at`
 * whose job is still `receiving` and whose lock nobody holds (a PATCH writing
 * now is left to the next pass). Effect, per upload in its own transaction:
 * `remove` deletes its objects, then the job is `failed` with UPLOAD_EXPIRED,
 * the upload finished and the objects marked removed. Returns the failed jobs.
 */
export async function expireUploads(
  pool: Pool,
  limit: number,
  remove: (job: JobRecord) => Promise<void>,
): Promise<JobRecord[]> {
  const ended: JobRecord[] = [];
  for (let i = 0; i < limit; i++) {
    const job = await withTransaction(pool, async (client) => {
      const { rows } = await client.query<JobRecord>(
        `SELECT j.* FROM ingest.resumable_uploads u JOIN ingest.jobs j ON j.id = u.job_id
         WHERE u.finished_at IS NULL AND u.expires_at < now() AND j.status = 'receiving'
           AND pg_try_advisory_xact_lock(${UPLOAD_LOCK_KEY.replace('$1', 'u.job_id')})
         ORDER BY u.expires_at LIMIT 1 FOR UPDATE OF u, j SKIP LOCKED`,
      );
      const found = rows[0];
      if (!found) return null;
      await remove(found);
      const { rows: failed } = await client.query<JobRecord>(
        `UPDATE ingest.jobs SET status = 'failed', error_code = 'UPLOAD_EXPIRED',
           error_message = $2, completed_at = now(), updated_at = now(), object_removed_at = now()
         WHERE id = $1 RETURNING *`,
        [found.id, 'the upload was not finished before it expired; its stored parts are deleted'],
      );
      await client.query(
        'UPDATE ingest.resumable_uploads SET finished_at = now() WHERE job_id = $1',
        [found.id],
      );
      return failed[0] ?? null;
    });
    if (!job) break;
    ended.push(job);
  }
  return ended;
}
