import type { JobView } from '@ingest/contracts';
import {
  createTestEnvironment,
  peopleFixture,
  startReplicatedPostgres,
  startSystem,
  type ReplicatedPostgres,
  type RunningSystem,
  type TestEnvironment,
} from '@ingest/testing';
import { createServer } from 'node:net';
import pg from 'pg';
import { parseExposition, sampleValue } from '../support/prometheus-exposition';

/**
 * Loaders back off while the database's replica lags: on a primary with a streaming replica
 * of this test's own, WAL replay is paused on the replica mid-job; once the replay lag the
 * primary reports passes LOADER_MAX_REPLICA_LAG the loader starts no chunk (its /metrics say
 * so), and after the replay resumes it goes on and the job completes with every row once.
 */
const ROWS = 6000;
const CHUNK = 4096;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe.each([
  ['an asynchronous replica', false],
  // synchronous_commit = on: commits wait for the replica's flush, not its replay.
  ['the synchronous standby', true],
])('loader back-off: replica lag over LOADER_MAX_REPLICA_LAG, %s', (_name, synchronous) => {
  let servers: ReplicatedPostgres;
  let t: TestEnvironment;
  let system: RunningSystem;
  let primary: pg.Client;
  let replica: pg.Client;
  let metricsPort = 0;

  beforeAll(async () => {
    servers = await startReplicatedPostgres({ synchronous });
    const admin = new pg.Client({ connectionString: servers.primaryUrl() });
    await admin.connect();
    await admin.query('CREATE DATABASE ingest_lag');
    await admin.end();
    metricsPort = await freePort();
    t = await createTestEnvironment({
      DATABASE_URL: servers.primaryUrl('ingest_lag'),
      LOADER_MAX_REPLICA_LAG: '1s',
      LOADER_REPLICA_LAG_CHECK_INTERVAL: '100ms',
      LOADER_METRICS_PORT: String(metricsPort),
    });
    system = await startSystem(t.env, { loaders: 1 });
    primary = new pg.Client({ connectionString: servers.primaryUrl('ingest_lag') });
    await primary.connect();
    replica = new pg.Client({ connectionString: servers.replicaUrl('ingest_lag') });
    await replica.connect();
  }, 120_000);

  afterAll(async () => {
    await replica?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await replica?.end();
    await primary?.end();
    await system?.stop();
    await t?.cleanup();
    await servers?.stop();
  }, 120_000);

  const loaderMetrics = async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    return parseExposition(await res.text());
  };
  const committed = async (id: string) =>
    (
      await primary.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM ingest.chunk_ledger WHERE job_id = $1',
        [id],
      )
    ).rows[0]?.n ?? 0;

  it('holds chunks while replay is paused, then completes the job exactly', async () => {
    expect(sampleValue(await loaderMetrics(), 'ingest_loader_paused')).toBe(0);
    await replica.query('SELECT pg_wal_replay_pause()');
    const res = await system.fetch(`/v1/jobs/raw?table=lagged&chunk_size=${CHUNK}`, {
      method: 'PUT',
      body: peopleFixture(ROWS, 3).text,
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as JobView).id;

    // The lag grows past 1 s while replay stays paused: the loader stops starting chunks.
    await until('the loader to pause', async () => {
      return sampleValue(await loaderMetrics(), 'ingest_loader_paused') === 1;
    });
    const paused = await loaderMetrics();
    expect(sampleValue(paused, 'ingest_loader_pauses_total')).toBe(1);
    expect(sampleValue(paused, 'ingest_loader_replica_lag_seconds')).toBeGreaterThan(1);
    // A chunk that began before the pause may still commit; after that, nothing for 3 s.
    await new Promise((r) => setTimeout(r, 1000));
    const held = await committed(id);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await committed(id)).toBe(held);
    // Not done: planned (no chunk committed yet) or loading, with chunks still to go.
    const view = (await (await system.fetch(`/v1/jobs/${id}`)).json()) as JobView;
    expect(['planned', 'loading']).toContain(view.status);
    expect(view.chunks.total ?? 0).toBeGreaterThan(held);
    // The primary sees the lag the loader acted on.
    const { rows: lag } = await primary.query<{ lag_s: number; sync_state: string }>(
      `SELECT extract(epoch FROM replay_lag)::float8 AS lag_s, sync_state
       FROM pg_stat_replication WHERE application_name = $1`,
      [servers.replicaName],
    );
    expect(lag[0]?.lag_s).toBeGreaterThan(1);
    expect(lag[0]?.sync_state).toBe(synchronous ? 'sync' : 'async');

    await replica.query('SELECT pg_wal_replay_resume()');
    const done = await system.waitForJob(id, 120_000);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: ROWS, rejected: 0 } });
    const { rows } = await primary.query<{ n: number; ids: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM ${system.table('lagged')}`,
    );
    expect(rows[0]).toEqual({ n: ROWS, ids: ROWS });
    const after = await loaderMetrics();
    expect(sampleValue(after, 'ingest_loader_paused')).toBe(0);
    expect(sampleValue(after, 'ingest_loader_replica_lag_seconds')).toBeLessThan(1);
  });
});
