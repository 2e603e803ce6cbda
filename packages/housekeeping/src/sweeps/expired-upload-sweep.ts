import { removeUploadObjects } from '@ingest/object-store';
import type { SweepContext } from './sweep-context';

const BATCH = 20;

/**
 * Ends resumable uploads abandoned past their `Upload-Expires`: deletes the
 * parts stored so far (segments and the partial tail), then fails the job with
 * UPLOAD_EXPIRED. An upload whose lock a gateway holds (a PATCH is writing) is
 * left for the next pass. Returns how many uploads it ended.
 */
export async function sweepExpiredUploads(ctx: SweepContext): Promise<number> {
  let total = 0;
  for (;;) {
    const ended = await ctx.lifecycle.expireUploads(BATCH, async (job) => {
      await removeUploadObjects(ctx.store, job.object_key);
    });
    total += ended.length;
    if (ended.length > 0) {
      ctx.logger.info({ jobs: ended.map((j) => j.id) }, 'expired resumable uploads ended');
    }
    if (ended.length < BATCH) return total;
  }
}
