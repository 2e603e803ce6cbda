import { removeUploadObjects, uploadKeyOf } from '@ingest/object-store';
import type { InFlightUpload } from '../upload-registry';
import type { SweepContext } from './sweep-context';

const BATCH = 20;

/**
 * Settles writes whose writer stopped renewing them (a gateway or splitter
 * that died mid-upload): aborts the multipart upload — by the id recorded, or
 * else those the store lists for the key that started before the lease ran out
 * and no other write recorded — and deletes what was written unless a job owns
 * the key (a crash after the job was recorded leaves a row to forget, not
 * objects to delete). A store that cannot abort is noted once; the objects are
 * still deleted. Returns how many writes were settled.
 */
export async function sweepAbandonedUploads(ctx: SweepContext): Promise<number> {
  let total = 0;
  for (;;) {
    const settled = await ctx.uploads.settleExpired(BATCH, (upload, others) =>
      settleAbandoned(ctx, upload, others),
    );
    total += settled;
    if (settled < BATCH) return total;
  }
}

async function settleAbandoned(
  ctx: SweepContext,
  upload: InFlightUpload,
  othersUploadIds: Set<string>,
): Promise<void> {
  const key = upload.object_key;
  const pending =
    upload.upload_id !== null
      ? [{ key, uploadId: upload.upload_id }]
      : await pendingUploads(ctx, upload);
  const uploadIds = pending?.map((p) => p.uploadId) ?? null;
  for (const { key: pendingKey, uploadId } of pending ?? []) {
    if (othersUploadIds.has(uploadId)) continue;
    if (!(await ctx.store.abortMultipartUpload(pendingKey, uploadId))) {
      ctx.noteAbortUnsupported();
      break;
    }
  }
  const owner = uploadKeyOf(key);
  const owned = await ctx.lifecycle.keysOwnedByJobs([owner]);
  let removed = false;
  if (!owned.has(owner)) {
    // The upload itself goes with all its segments; an object derived from it goes alone.
    if (owner === key) await removeUploadObjects(ctx.store, key);
    else await ctx.store.remove(key);
    removed = true;
  }
  ctx.logger.info(
    { objectKey: key, writer: upload.writer, aborted: uploadIds ?? 'unlisted', removed },
    'abandoned upload settled',
  );
}

/**
 * Multipart uploads the store lists for the key or its segments (`<key>/000000…`) that
 * began before the lease ran out; null: cannot list. A segment written with one request
 * has none on S3, but is a write in progress on a directory (a file the writer's crash
 * left behind).
 */
async function pendingUploads(
  ctx: SweepContext,
  upload: InFlightUpload,
): Promise<Array<{ key: string; uploadId: string }> | null> {
  const pending = await ctx.store.listMultipartUploads(upload.object_key);
  if (pending === null) {
    ctx.noteAbortUnsupported();
    return null;
  }
  const key = upload.object_key;
  return pending
    .filter(
      (p) => (p.key === key || p.key.startsWith(`${key}/`)) && p.initiated <= upload.expires_at,
    )
    .map((p) => ({ key: p.key, uploadId: p.uploadId }));
}
