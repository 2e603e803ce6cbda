import { withTransaction, type Pool } from '@ingest/postgres';
import type { JobRecord } from '../job-record';

export type FinishedUpload =
  | { kind: 'stored'; job: JobRecord }
  /** dedupe=content found an earlier job for the same bytes into the same table. */
  | { kind: 'duplicate'; job: JobRecord; earlier: JobRecord }
  /** The job was no longer receiving (terminated or expired meanwhile). */
  | { kind: 'ended' };

/**
 * The last byte of a resumable upload is stored.
 * Precondition: the job is `receiving`. Effect: the upload row is finished and
 * the job `stored` (`loading` when chunks were loaded while it arrived) with its size and SHA-256 — or, with dedupe=content and an
 * earlier job for the same content into the same table (decided under the same
 * lock as createUnlessSameContent), `cancelled` with CONTENT_DUPLICATE naming it.
 * Not met: nothing changes, `ended`.
 */
export async function finishUpload(
  pool: Pool,
  jobId: string,
  stored: { bytes: number; sha256: string },
): Promise<FinishedUpload> {
  return withTransaction(pool, async (client) => {
    const { rows: current } = await client.query<JobRecord & { dedupe_content: boolean }>(
      `SELECT j.*, u.dedupe_content FROM ingest.jobs j
       JOIN ingest.resumable_uploads u ON u.job_id = j.id
       WHERE j.id = $1 AND j.status = 'receiving' FOR UPDATE OF j`,
      [jobId],
    );
    const job = current[0];
    if (!job) return { kind: 'ended' };
    const finishRow = () =>
      client.query(
        `UPDATE ingest.resumable_uploads SET length = $2, upload_offset = $2, tail_bytes = 0,
           finished_at = now() WHERE job_id = $1`,
        [jobId, stored.bytes],
      );
    if (job.dedupe_content) {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('ingest.content:' || $1))`, [
        `${job.tenant}/${stored.sha256}/${job.table_name}`,
      ]);
      const { rows: same } = await client.query<JobRecord>(
        `SELECT * FROM ingest.jobs
         WHERE tenant = $1 AND sha256 = $2 AND table_name = $3 AND id <> $4
           AND status NOT IN ('failed', 'cancelled')
         ORDER BY status = 'completed' DESC, created_at DESC LIMIT 1`,
        [job.tenant, stored.sha256, job.table_name, jobId],
      );
      const earlier = same[0];
      if (earlier) {
        const { rows } = await client.query<JobRecord>(
          `UPDATE ingest.jobs SET status = 'cancelled', bytes = $2, sha256 = $3,
             error_code = 'CONTENT_DUPLICATE', error_message = $4,
             completed_at = now(), updated_at = now()
           WHERE id = $1 RETURNING *`,
          [
            jobId,
            stored.bytes,
            stored.sha256,
            `the same content was already loaded into ${job.table_name} by job ${earlier.id}`,
          ],
        );
        await finishRow();
        return { kind: 'duplicate', job: rows[0] as JobRecord, earlier };
      }
    }
    // Chunks loaded while the bytes arrived: the job is `loading` already (since its first).
    const { rows } = await client.query<JobRecord>(
      `WITH first AS (SELECT min(committed_at) AS at FROM ingest.chunk_ledger WHERE job_id = $1)
       UPDATE ingest.jobs SET bytes = $2, sha256 = $3, updated_at = now(),
         status = CASE WHEN first.at IS NULL THEN 'stored' ELSE 'loading' END,
         loading_at = first.at
       FROM first WHERE id = $1 RETURNING ingest.jobs.*`,
      [jobId, stored.bytes, stored.sha256],
    );
    await finishRow();
    return { kind: 'stored', job: rows[0] as JobRecord };
  });
}
