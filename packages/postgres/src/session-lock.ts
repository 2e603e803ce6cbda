import type { Pool } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';

/** A held session lock; release() unlocks and gives its connection back (twice is harmless). */
export interface SessionLock {
  release(): Promise<void>;
}

/**
 * Holds a session advisory lock on a connection of its own until release(): a
 * process that dies drops its connection, and the lock with it. `keySql` is the
 * lock's key as an SQL expression of `$1` (`id`). While another session holds
 * it, tries again every `pollMs` until `giveUp()` says so (then null).
 */
export async function holdSessionLock(
  pool: Pool,
  keySql: string,
  id: string,
  options: { pollMs: number; giveUp: () => boolean },
): Promise<SessionLock | null> {
  const client = await pool.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock(${keySql}) AS locked`,
        [id],
      );
      if (rows[0]?.locked === true) break;
      if (options.giveUp()) {
        client.release();
        return null;
      }
      await sleep(options.pollMs);
    }
  } catch (e) {
    client.release(e as Error);
    throw e;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query(`SELECT pg_advisory_unlock(${keySql})`, [id]);
        client.release();
      } catch (e) {
        // A broken connection has dropped the lock already; do not reuse it.
        client.release(e as Error);
      }
    },
  };
}
