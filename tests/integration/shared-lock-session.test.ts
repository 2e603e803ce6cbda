import pg from 'pg';
import { createPool, SharedLockSession, type Pool } from '@ingest/postgres';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';
import { eventually } from '../support/broker';

const KEY = `hashtextextended('test.lock:' || $1::text, 0)`;
const never = { pollMs: 20, giveUp: () => false };
const after = (ms: number) => {
  const until = Date.now() + ms;
  return { pollMs: 20, giveUp: () => Date.now() >= until };
};

/** SharedLockSession against the real Postgres: many locks, one connection. */
describe('SharedLockSession', () => {
  let t: TestEnvironment;
  let pool: Pool;
  let other: pg.Client;

  beforeAll(async () => {
    t = await createTestEnvironment();
    pool = createPool({ connectionString: t.databaseUrl, applicationName: 'lock-test', max: 2 });
    other = new pg.Client({ connectionString: t.databaseUrl });
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
    await pool?.end();
    await t?.cleanup();
  });

  const advisoryLocks = async () =>
    (
      await other.query<{ pid: number; n: number }>(
        `SELECT pid, count(*)::int AS n FROM pg_locks
         WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         GROUP BY pid`,
      )
    ).rows;

  it('holds twenty locks on one connection of a two-connection pool, which still answers', async () => {
    const locks = new SharedLockSession(pool, KEY);
    const held = await Promise.all(
      Array.from({ length: 20 }, (_, i) => locks.hold(`upload-${i}`, never)),
    );
    expect(held.every((l) => l !== null)).toBe(true);
    expect(await advisoryLocks()).toEqual([{ pid: expect.any(Number), n: 20 }]);
    // Both of the pool's queries at once: one connection is the locks', the other is free.
    const answers = await Promise.all([pool.query('SELECT 1 AS one'), pool.query('SELECT 2')]);
    expect(answers[0]?.rows).toEqual([{ one: 1 }]);
    await Promise.all(held.map((l) => (l ? l.release() : Promise.resolve())));
    expect(await advisoryLocks()).toEqual([]);
    // With no lock held the connection is back in the pool.
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it('excludes a second request of the same process, and another session, until released', async () => {
    const locks = new SharedLockSession(pool, KEY);
    const first = await locks.hold('same', never);
    expect(first).not.toBeNull();
    // The session's own locks are re-entrant in Postgres: the process must refuse it itself.
    expect(await locks.hold('same', after(150))).toBeNull();
    const waiting = locks.hold('same', never);
    await first?.release();
    const second = await waiting;
    expect(second).not.toBeNull();
    await second?.release();

    await other.query(`SELECT pg_advisory_lock(${KEY})`, ['elsewhere']);
    expect(await locks.hold('elsewhere', after(150))).toBeNull();
    await other.query(`SELECT pg_advisory_unlock(${KEY})`, ['elsewhere']);
    const mine = await locks.hold('elsewhere', after(2000));
    expect(mine).not.toBeNull();
    await mine?.release();
  });

  it('opens a new connection once the old one is gone, and an old release harms nothing', async () => {
    const locks = new SharedLockSession(pool, KEY);
    const before = await locks.hold('a', never);
    const [session] = await advisoryLocks();
    await other.query('SELECT pg_terminate_backend($1)', [session?.pid]);
    // Its lock went with it (once the backend has exited): another session takes it.
    const takeA = async () =>
      (await other.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${KEY}) AS ok`, ['a']))
        .rows[0]?.ok === true;
    expect(await eventually(takeA, (ok) => ok, 5000)).toBe(true);
    await other.query(`SELECT pg_advisory_unlock(${KEY})`, ['a']);

    const fresh = await locks.hold('b', after(2000));
    expect(fresh).not.toBeNull();
    await before?.release();
    const rows = await advisoryLocks();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.pid).not.toBe(session?.pid);
    await fresh?.release();
    expect(await advisoryLocks()).toEqual([]);
  });
});
