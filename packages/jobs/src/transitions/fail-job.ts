import type { Queryable } from '@ingest/postgres';
import type { JobRecord } from '../job-record';

/**
 * Fail a job.
 * Precondition: the job is live. Effect: `failed` with the code and message,
 * `completed_at` set; returned with `endedNow`. Not met (already ended, the
 * first outcome wins): nothing changes; the job is still returned, without
 * `endedNow`, while its terminal event is unannounced, so a repeat repairs an
 * announcement lost to a crash. Otherwise null.
 */
export async function failJob(
  db: Queryable,
  id: string,
  code: string,
  message: string,
): Promise<{ job: JobRecord; endedNow: boolean } | null> {
  const { rows } = await db.query<JobRecord & { ended_now: boolean }>(
    `WITH failed AS (
       UPDATE ingest.jobs SET status = 'failed', error_code = $2, error_message = $3,
         completed_at = now(), updated_at = now()
       WHERE id = $1 AND ingest.status_rank(status) < 100
       RETURNING *)
     SELECT *, true AS ended_now FROM failed
     UNION ALL
     SELECT *, false AS ended_now FROM ingest.jobs
     WHERE id = $1 AND ingest.status_rank(status) = 100 AND announced_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM failed)`,
    [id, code, message],
  );
  const row = rows[0];
  if (!row) return null;
  const { ended_now: endedNow, ...job } = row;
  return { job, endedNow };
}
