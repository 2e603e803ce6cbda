import type { Pool, PoolClient } from 'pg';

/** Runs `fn` between BEGIN and COMMIT on `client`; an error rolls back and is rethrown. */
export async function inTransaction<T>(
  client: PoolClient,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * Runs `fn` in a transaction on one pooled connection. The connection of a
 * failed transaction is discarded, not reused: a failed COPY can leave it
 * mid-protocol.
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let failed = false;
  try {
    return await inTransaction(client, fn);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    client.release(failed);
  }
}
