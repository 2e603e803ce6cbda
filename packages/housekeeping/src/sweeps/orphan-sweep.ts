import { uploadKeyOf } from '@ingest/object-store';
import type { SweepContext } from './sweep-context';

/**
 * Deletes objects under `prefix` older than `graceMs` that belong to no job
 * (with its objects still stored) and to no recorded write: leftovers of a
 * writer killed before writes were recorded, of a job deleted while its
 * objects could not be, of a splitter that finished deriving after its job's
 * objects were removed. The bucket is listed a page (1000 keys) at a time and
 * each page's owners are looked up at once. Returns how many objects it deleted.
 *
 * Safe beside live writes: a write is recorded before its first byte and
 * forgotten only after its job row committed, so an object listed here has a
 * visible owner unless it has none for good; the grace period covers writers
 * that predate the record (a rolling upgrade).
 */
export async function sweepOrphans(
  ctx: SweepContext,
  prefix: string,
  graceMs: number,
): Promise<number> {
  let deleted = 0;
  for await (const page of ctx.store.list(prefix)) {
    const cutoff = Date.now() - graceMs;
    const old = page.filter((o) => o.lastModified.getTime() <= cutoff);
    if (old.length === 0) continue;
    const owners = [...new Set(old.map((o) => uploadKeyOf(o.key)))];
    const byJobs = await ctx.lifecycle.keysOwnedByJobs(owners);
    const byWrites = await ctx.uploads.keysInFlight([...owners, ...old.map((o) => o.key)]);
    // A derived object being written is recorded under its own key.
    const owned = (key: string) =>
      byJobs.has(uploadKeyOf(key)) || byWrites.has(uploadKeyOf(key)) || byWrites.has(key);
    for (const o of old) {
      if (owned(o.key)) continue;
      await ctx.store.remove(o.key);
      deleted++;
    }
  }
  if (deleted > 0) ctx.logger.info({ deleted, prefix }, 'orphaned objects deleted');
  return deleted;
}
