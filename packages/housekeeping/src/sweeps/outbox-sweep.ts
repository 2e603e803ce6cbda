import { QUEUES, type JobStoredMessage } from '@ingest/contracts';
import type { SweepContext } from './sweep-context';

const BATCH = 100;

/**
 * Publishes again the message of jobs left `stored` without one: a gateway
 * that died between recording the job and publishing it. A job is claimed
 * only if no splitter ever took it and at most once per `graceMs`; a duplicate
 * message is harmless, since planning a job twice publishes the same chunk
 * tasks and the ledger loads each chunk once. Returns how many were published.
 */
export async function sweepUnpickedJobs(ctx: SweepContext, graceMs: number): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = await ctx.lifecycle.claimUnpicked(graceMs, BATCH);
    for (const jobId of ids) {
      const message: JobStoredMessage = { type: 'job.stored', version: 1, jobId };
      await ctx.publisher.publish(QUEUES.jobs, message, { messageId: `${jobId}:stored` });
    }
    total += ids.length;
    if (ids.length > 0) ctx.logger.info({ jobs: ids }, 'stored jobs without a message republished');
    if (ids.length < BATCH) return total;
  }
}
