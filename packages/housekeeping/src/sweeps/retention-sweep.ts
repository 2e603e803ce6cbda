import { removeUploadObjects } from '@ingest/object-store';
import type { SweepContext } from './sweep-context';

const BATCH = 20;

/**
 * Removes the objects of every ended job whose retention has run out — the
 * upload, its segments, the objects derived from it — a batch per transaction
 * until none is left. Only ended jobs are ever selected. Returns how many jobs.
 */
export async function sweepExpiredObjects(ctx: SweepContext): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await ctx.lifecycle.removeExpiredObjects(BATCH, async (job) => {
      await removeUploadObjects(ctx.store, job.object_key);
    });
    total += removed.length;
    if (removed.length > 0) ctx.logger.info({ jobs: removed }, 'expired job objects removed');
    if (removed.length < BATCH) return total;
  }
}
