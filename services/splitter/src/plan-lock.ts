import type { Pool } from '@ingest/postgres';
import { setTimeout as sleep } from 'node:timers/promises';

/** A held plan lock; release() gives it and its connection back. */
export interface PlanLock {
  release(): Promise<void>;
}

const LOCK_KEY = `hashtextextended('ingest.plan:' || $1::text, 0)`;

/**
 * Holds the job's planning lock (a session advisory lock, on a connection of its
 * own: a splitter that dies drops it) so that one scan of a job runs at a time,
 * across splitters. `wait: false` gives up at once (null) when another holds it;
 * `wait: true` polls until it is free.
 */
export async function holdPlanLock(
  pool: Pool,
  jobId: string,
  options: { wait: boolean; pollMs?: number },
): Promise<PlanLock | null> {
  const client = await pool.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`,
        [jobId],
      );
      if (rows[0]?.locked) break;
      if (!options.wait) {
        client.release();
        return null;
      }
      await sleep(options.pollMs ?? 250);
    }
  } catch (e) {
    client.release(e as Error);
    throw e;
  }
  return {
    async release() {
      try {
        await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [jobId]);
        client.release();
      } catch (e) {
        // The connection is dropped, and its lock with it.
        client.release(e as Error);
      }
    },
  };
}
