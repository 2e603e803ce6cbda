import { withTransaction, type Pool } from '@ingest/postgres';
import type { JobStatus } from '@ingest/contracts';
import type { JobRecord } from '../job-record';

export type DeleteOutcome =
  | { kind: 'deleted'; job: JobRecord }
  /** The job still runs: it must be cancelled (or end) first. */
  | { kind: 'live'; status: JobStatus }
  /** No such job for this tenant. */
  | { kind: 'missing' };

/**
 * Delete an ended job of a tenant.
 * Precondition: the job belongs to `tenant` and has ended. Effect: the job row
 * goes, and with it (ON DELETE CASCADE) its ledger rows, rejects, chunk
 * failures and webhook deliveries with their attempts; its dead letters go
 * too. Returns the deleted row, so the caller removes its objects and hot state.
 * Not met: nothing changes, and the outcome says why. The row is locked first,
 * so a sweep holding it finishes before, and a live job cannot end meanwhile
 * unseen.
 */
export async function deleteEndedJob(
  pool: Pool,
  id: string,
  tenant: string,
): Promise<DeleteOutcome> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ status: JobStatus; ended: boolean }>(
      `SELECT status, ingest.status_rank(status) = 100 AS ended FROM ingest.jobs
       WHERE id = $1 AND tenant = $2 FOR UPDATE`,
      [id, tenant],
    );
    const found = rows[0];
    if (!found) return { kind: 'missing' };
    if (!found.ended) return { kind: 'live', status: found.status };
    await client.query('DELETE FROM ingest.dead_letters WHERE job_id = $1', [id]);
    const deleted = await client.query<JobRecord>(
      'DELETE FROM ingest.jobs WHERE id = $1 RETURNING *',
      [id],
    );
    const job = deleted.rows[0];
    if (!job) throw new Error(`job ${id} vanished while locked`);
    return { kind: 'deleted', job };
  });
}
