/**
 * The dispatcher's LISTEN connection on a real Postgres: one whose LISTEN fails goes back
 * to the pool (a standby answers LISTEN with an error for a moment after a failover; kept,
 * the connection held the splitter's pool open and its stop for ever), and one stopped
 * while its LISTEN is on its way is let go too.
 */
import { createLogger } from '@ingest/config';
import type { MessagePublisher } from '@ingest/contracts';
import { createPool, migrate, type Pool, type PoolClient } from '@ingest/postgres';
import { ChunkDispatcher } from '@ingest/splitter';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';
import { eventually } from '../../support/broker';

const POLL_MS = 100;
const APP = 'dispatcher-test';

describe('ChunkDispatcher LISTEN connection', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await createTestEnvironment();
    const pool = newPool();
    await migrate(pool);
    await pool.end();
  });
  afterAll(() => env.cleanup());

  const newPool = () =>
    createPool({ connectionString: env.databaseUrl, applicationName: APP, max: 4 });

  // No chunk is ever recorded here, so no round publishes.
  const published: unknown[] = [];
  const publisher: MessagePublisher = {
    publish: (_queue, message) => {
      published.push(message);
      return Promise.resolve();
    },
  };
  const dispatcherOn = (pool: Pool) =>
    new ChunkDispatcher(
      { pool, publisher, logger: createLogger('splitter', 'silent') },
      {
        pollMs: POLL_MS,
        limits: { jobWindow: 2, maxInFlight: 0, tenantMaxInFlight: 0, tenantWeights: new Map() },
      },
    );

  /** Resolves 'ended' when the pool's end completes, 'hung' if it has not after 5 s. */
  const endOf = (pool: Pool) =>
    Promise.race([
      pool.end().then(() => 'ended'),
      new Promise((r) => setTimeout(() => r('hung'), 5000).unref()),
    ]);

  const listeners = async (pool: Pool) => {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE application_name = $1 AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
      [APP],
    );
    return rows[0]?.n ?? 0;
  };

  it('gives back a connection whose LISTEN failed, listens again, and stops', async () => {
    const pool = newPool();
    let sabotaged = false;
    // The first connection handed out is closed under the dispatcher: its LISTEN fails.
    pool.on('acquire', (client: PoolClient) => {
      if (sabotaged) return;
      sabotaged = true;
      void client.end();
    });
    const dispatcher = dispatcherOn(pool);
    await dispatcher.start();
    expect(sabotaged).toBe(true);
    // The next attempt, one poll later, holds a LISTEN.
    expect(
      await eventually(
        () => listeners(pool),
        (n) => n === 1,
        5000,
      ),
    ).toBe(1);
    await dispatcher.stop();
    expect(await endOf(pool)).toBe('ended');
    expect(published).toEqual([]);
  });

  it('lets go of a LISTEN that completes after stop', async () => {
    const pool = newPool();
    const dispatcher = dispatcherOn(pool);
    const started = dispatcher.start();
    await dispatcher.stop();
    await started;
    expect(await endOf(pool)).toBe('ended');
  });
});
