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
 * End a non-resumable upload (raw PUT loading while it arrives) that broke
 * off: the client went away, it was too slow or too large, its digest did not
 * match. Precondition: the job is live. Effect: `failed` with the code, its
 * Idempotency-Key released (a retry of the request is a new job), the upload
 * finished. What committed before stays, as for any failed job of its mode.
 * Not met: null, nothing changes.
 */
export async function abortUpload(
  pool: Pool,
  jobId: string,
  code: string,
  message: string,
): Promise<JobRecord | null> {
  const { rows } = await pool.query<JobRecord>(
    `WITH ended AS (
       UPDATE ingest.jobs SET status = 'failed', error_code = $2, error_message = $3,
         idempotency_key = NULL, request_fingerprint = NULL,
         completed_at = now(), updated_at = now()
       WHERE id = $1 AND ingest.status_rank(status) < 100
       RETURNING *),
     upload AS (
       UPDATE ingest.resumable_uploads SET finished_at = now()
       WHERE job_id = $1 AND finished_at IS NULL AND EXISTS (SELECT 1 FROM ended))
     SELECT * FROM ended`,
    [jobId, code, message],
  );
  return rows[0] ?? null;
}

/** A raw upload's row: never resumable, ended by the sweep as soon as no gateway holds its lock. */
export const RAW_UPLOAD_ROUTE = 'raw';

/**
 * Expire abandoned uploads: at most `limit` unfinished uploads past `expires_at`
 * whose job is still `receiving` and whose lock nobody holds (a PATCH writing
 * now is left to the next pass). Effect, per upload in its own transaction:
 * `remove` deletes its objects, then the job is `failed` with UPLOAD_EXPIRED,
 * the upload finished and the objects marked removed. A raw upload whose gateway
 * died mid-body (its lock is free) fails with UPLOAD_ABORTED instead, its
 * Idempotency-Key released. Returns the failed jobs.
 */
export async function expireUploads(
  pool: Pool,
  limit: number,
  remove: (job: JobRecord) => Promise<void>,
): Promise<JobRecord[]> {
  const ended: JobRecord[] = [];
  for (let i = 0; i < limit; i++) {
    const job = await withTransaction(pool, async (client) => {
      const { rows } = await client.query<JobRecord & { upload_route: string | null }>(
        `SELECT j.*, u.metadata->>'route' AS upload_route
         FROM ingest.resumable_uploads u JOIN ingest.jobs j ON j.id = u.job_id
         WHERE u.finished_at IS NULL AND u.expires_at < now() AND j.status = 'receiving'
           AND pg_try_advisory_xact_lock(${UPLOAD_LOCK_KEY.replace('$1', 'u.job_id')})
         ORDER BY u.expires_at LIMIT 1 FOR UPDATE OF u, j SKIP LOCKED`,
      );
      const row = rows[0];
      if (!row) return null;
      const { upload_route: route, ...found } = row;
      await remove(found);
      const raw = route === RAW_UPLOAD_ROUTE;
      const { rows: failed } = await client.query<JobRecord>(
        `UPDATE ingest.jobs SET status = 'failed', error_code = $2,
           error_message = $3, completed_at = now(), updated_at = now(), object_removed_at = now(),
           idempotency_key = CASE WHEN $4 THEN NULL ELSE idempotency_key END,
           request_fingerprint = CASE WHEN $4 THEN NULL ELSE request_fingerprint END
         WHERE id = $1 RETURNING *`,
        raw
          ? [
              found.id,
              'UPLOAD_ABORTED',
              'the upload broke off before its last byte (its gateway stopped); its stored parts are deleted',
              true,
            ]
          : [
              found.id,
              'UPLOAD_EXPIRED',
              'the upload was not finished before it expired; its stored parts are deleted',
              false,
            ],
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
