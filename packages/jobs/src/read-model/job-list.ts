import type { JobStatus } from '@ingest/contracts';
import type { Queryable } from '@ingest/postgres';
import type { JobRecord } from '../job-record';

export interface JobListOptions {
  status?: JobStatus;
  limit: number;
  after?: { createdAt: Date; id: string };
}

/**
 * A tenant's jobs, newest first, after an opaque cursor (the last page's
 * final `created_at` and `id`), optionally of one status.
 */
export async function listJobs(
  db: Queryable,
  tenant: string,
  options: JobListOptions,
): Promise<JobRecord[]> {
  const { rows } = await db.query<JobRecord>(
    `SELECT * FROM ingest.jobs
     WHERE tenant = $1 AND ($2::text IS NULL OR status = $2)
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
     ORDER BY created_at DESC, id DESC
     LIMIT $5`,
    [
      tenant,
      options.status ?? null,
      options.after?.createdAt ?? null,
      options.after?.id ?? null,
      options.limit,
    ],
  );
  return rows;
}
