import { withTransaction, type Pool } from '@ingest/postgres';
import type { LoadStrategy } from './load-strategy';

/**
 * Drops an ended job's work tables. A loader still writing into one holds its
 * lock until that chunk's transaction ends, so the wait is bounded
 * (`lock_timeout`) and a table left behind is dropped by a later call.
 */
export async function cleanUpWorkTables(
  pool: Pool,
  strategy: LoadStrategy,
  lockTimeoutMs = 10_000,
): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    await strategy.cleanUp(client);
  });
}
