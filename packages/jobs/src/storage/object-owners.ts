import type { Queryable } from '@ingest/postgres';

/**
 * Of the given upload keys, those a job still owns: its `object_key`, with its
 * objects not yet removed (by retention or a delete). Read only.
 */
export async function keysOwnedByJobs(
  db: Queryable,
  keys: readonly string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<{ object_key: string }>(
    `SELECT DISTINCT object_key FROM ingest.jobs
     WHERE object_key = ANY($1::text[]) AND object_removed_at IS NULL`,
    [keys],
  );
  return new Set(rows.map((r) => r.object_key));
}
