import { codeOf } from '@ingest/errors';
import { loadStrategyFor } from '@ingest/loading';
import { withTransaction, type Pool } from '@ingest/postgres';
import type { JobRecord } from '../job-record';
import { settleJob, type SettledJob } from './settle-job';

/**
 * Complete a staged job: its rows reach the target only now.
 * Precondition: a live staged job with every chunk in the ledger (settleJob
 * said `publishDue`). Effect, in one transaction with the job row locked
 * (FOR NO KEY UPDATE: finishers queue behind each other, but not behind
 * loaders, whose open transactions hold KEY SHARE on it through the ledger's
 * foreign key): the verdict is taken again (settleJob, publishing), the
 * stage is published into the target if the job completed, and dropped.
 * A failed publish rolls all of it back. Not met, repeated, or the job
 * already ended: nothing changes, null.
 */
export async function completeStagedJob(pool: Pool, id: string): Promise<SettledJob | null> {
  return withTransaction(pool, async (client) => {
    const locked = await client.query<JobRecord>(
      `SELECT * FROM ingest.jobs
       WHERE id = $1 AND load_plan->>'kind' = 'staged' AND chunks_total IS NOT NULL
         AND ingest.status_rank(status) < 100
       FOR NO KEY UPDATE`,
      [id],
    );
    const job = locked.rows[0];
    if (!job?.load_plan) return null;
    const settled = await settleJob(client, id, { loaded: false, publishing: true });
    if (!settled?.moved) return null;
    const strategy = loadStrategyFor(job.load_plan, {
      jobId: id,
      schema: job.target_schema,
      table: job.table_name,
      columns: job.columns ?? [],
    });
    if (settled.job.status === 'completed') {
      try {
        await strategy.publish(client);
      } catch (e) {
        throw withContext(
          e,
          `publishing the job's rows into "${job.target_schema}.${job.table_name}"`,
        );
      }
    }
    await strategy.cleanUp(client);
    return settled;
  });
}

/** The error with a note of what was being done, its SQLSTATE kept (so it classifies the same). */
function withContext(e: unknown, doing: string): Error {
  const message = e instanceof Error ? e.message : String(e);
  return Object.assign(new Error(`${doing}: ${message}`, { cause: e }), {
    code: codeOf(e) ?? undefined,
  });
}
