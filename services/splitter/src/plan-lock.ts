import { holdSessionLock, type Pool, type SessionLock } from '@ingest/postgres';

/** A held plan lock; release() gives it and its connection back. */
export type PlanLock = SessionLock;

const LOCK_KEY = `hashtextextended('ingest.plan:' || $1::text, 0)`;

/**
 * Holds the job's planning lock (a session advisory lock, on a connection of its
 * own: a splitter that dies drops it) so that one scan of a job runs at a time,
 * across splitters. `wait: false` gives up at once (null) when another holds it;
 * `wait: true` polls until it is free.
 */
export function holdPlanLock(
  pool: Pool,
  jobId: string,
  options: { wait: boolean; pollMs?: number },
): Promise<PlanLock | null> {
  return holdSessionLock(pool, LOCK_KEY, jobId, {
    pollMs: options.pollMs ?? 250,
    giveUp: () => !options.wait,
  });
}
