import { LoaderProcesses, peopleFixture, useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { committedChunks, expectLedgerComplete, until } from '../support/exactly-once';

/**
 * Exactly-once under crashes, with loaders as real processes killed by
 * SIGKILL at chosen moments (LOADER_FAILPOINTS), and the ways a chunk that
 * keeps failing ends: dead-lettered after the delivery limit, its job failed
 * with the reason in the status. Gateway, splitter (which settles dead letters)
 * and notifier run in the test process.
 */
const ROWS = 60_000;
const CHUNK_BYTES = 600_000; // ~5 chunks, each more than one 256 KiB COPY write

describe('crash recovery and poison chunks', () => {
  const ctx = useTestSystem(
    { QUEUE_DELIVERY_LIMIT: '3', WORKER_RETRY_BUDGET_MS: '300', WORKER_RETRY_DELAY_MS: '50' },
    { loaders: 0 },
  );
  let loaders: LoaderProcesses;
  const fixture = peopleFixture(ROWS, 11);

  afterEach(async () => {
    await loaders?.stop();
  });

  const upload = async (table: string): Promise<string> => {
    const res = await ctx.system.fetch(`/v1/jobs/raw?table=${table}&chunk_size=${CHUNK_BYTES}`, {
      method: 'PUT',
      body: fixture.text,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as JobView).id;
  };

  /** Every file row exactly once: the count, the distinct ids and their sum. */
  const expectExactlyOnce = async (table: string) => {
    const { rows } = await ctx.db.query<{ n: number; ids: number; sum: string }>(
      `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, sum(id)::text AS sum FROM ${ctx.system.table(table)}`,
    );
    expect(rows[0]).toEqual({ n: ROWS, ids: ROWS, sum: String((ROWS * (ROWS + 1)) / 2) });
  };

  /** The job's dead letters, once the splitter has settled at least one (they follow the failure). */
  const deadLetters = async (jobId: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { rows } = await ctx.db.query<{ chunk_index: number; reason: string; queue: string }>(
        'SELECT chunk_index, reason, queue FROM ingest.dead_letters WHERE job_id = $1',
        [jobId],
      );
      if (rows.length > 0 || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('a loader killed mid-COPY loses nothing: its chunk is loaded again, once', async () => {
    loaders = new LoaderProcesses(ctx.t.env);
    await loaders.start([{ name: 'crashing', failpoints: 'mid-copy=kill' }, { name: 'steady' }]);
    const id = await upload('killed_mid_copy');
    const done = await ctx.system.waitForJob(id, 90_000);

    expect(loaders.killed.map((p) => p.name)).toEqual(['crashing']);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: ROWS, rejected: 0 } });
    expect(done.chunks.done).toBe(done.chunks.total);
    await expectExactlyOnce('killed_mid_copy');
    const ledger = await ctx.db.query('SELECT 1 FROM ingest.chunk_ledger WHERE job_id = $1', [id]);
    expect(ledger.rowCount).toBe(done.chunks.total);
  });

  it('every loader killed mid-load at once: new loaders finish the job, every row once', async () => {
    loaders = new LoaderProcesses(ctx.t.env);
    // Each COPY pauses with its transaction open, so the kill finds chunks mid-COPY.
    const slow = 'mid-copy=delay:150';
    await loaders.start([
      { name: 'first-a', failpoints: slow },
      { name: 'first-b', failpoints: slow },
    ]);
    const res = await ctx.system.fetch(`/v1/jobs/raw?table=all_killed&chunk_size=100000`, {
      method: 'PUT',
      body: fixture.text,
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    await until('a few chunks committed', async () => (await committedChunks(ctx.db, id)) >= 3);
    await loaders.killAll();
    const before = await committedChunks(ctx.db, id);

    await loaders.start([{ name: 'second-a' }, { name: 'second-b' }]);
    const done = await ctx.system.waitForJob(id, 90_000);

    expect(loaders.killed.map((p) => p.name).sort()).toEqual(['first-a', 'first-b']);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: ROWS, rejected: 0 } });
    // The kill came mid-load: the new loaders had chunks left to do.
    expect(before).toBeLessThan(done.chunks.total ?? 0);
    await expectExactlyOnce('all_killed');
    await expectLedgerComplete(ctx.db, id, done.chunks.total ?? -1);
  });

  it('a loader killed between COMMIT and ack: the redelivered chunk is acknowledged without loading', async () => {
    loaders = new LoaderProcesses(ctx.t.env);
    await loaders.start([
      { name: 'crashing', failpoints: 'after-commit=kill' },
      { name: 'steady' },
    ]);
    const id = await upload('killed_after_commit');
    const done = await ctx.system.waitForJob(id, 90_000);

    expect(loaders.killed.map((p) => p.name)).toEqual(['crashing']);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: ROWS, rejected: 0 } });
    await expectExactlyOnce('killed_after_commit');
    // The committed chunk came back to the other loader, which found its ledger row.
    expect(loaders.log('steady')).toContain('chunk already committed (a redelivery)');
  });

  it('a chunk that crashes every loader is dead-lettered after the delivery limit and fails its job', async () => {
    loaders = new LoaderProcesses(ctx.t.env);
    const poison = 'mid-copy@1=kill';
    await loaders.start([
      { name: 'a', failpoints: poison, restarts: 3 },
      { name: 'b', failpoints: poison, restarts: 3 },
    ]);
    const id = await upload('poison_crash');
    const done = await ctx.system.waitForJob(id, 110_000);

    expect(loaders.killed.length).toBeGreaterThanOrEqual(3);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('MESSAGE_DEAD_LETTERED');
    expect(done.error?.message).toMatch(/^chunk 1 \(bytes \d+-\d+\) was dead-lettered/);
    expect(done.error?.message).toContain('crashed or was killed');
    expect(await deadLetters(id)).toEqual([
      { chunk_index: 1, reason: 'delivery_limit', queue: `${ctx.t.env.QUEUE_PREFIX}ingest.chunks` },
    ]);
  });

  it('a chunk that keeps failing retryably is retried, then dead-lettered with its last error', async () => {
    loaders = new LoaderProcesses(ctx.t.env);
    await loaders.start([{ name: 'deadlocking', failpoints: 'before-copy@2=error:40P01' }]);
    const id = await upload('poison_retryable');
    const done = await ctx.system.waitForJob(id, 90_000);

    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('CHUNK_RETRIES_EXHAUSTED');
    expect(done.error?.message).toMatch(/^chunk 2 \(bytes \d+-\d+\): .*40P01/);
    const failures = await ctx.db.query<{ attempts: number }>(
      'SELECT attempts FROM ingest.chunk_failures WHERE job_id = $1 AND chunk_index = 2',
      [id],
    );
    // Several in-process retries on each of the 3 deliveries.
    expect(failures.rows[0]?.attempts).toBeGreaterThan(3);
    expect(await deadLetters(id)).toEqual([
      { chunk_index: 2, reason: 'rejected', queue: `${ctx.t.env.QUEUE_PREFIX}ingest.chunks` },
    ]);
  });

  it('a permanent database error fails the job at once with the reason, without retries', async () => {
    await ctx.db.query(`CREATE TABLE ${ctx.system.table('people_checked')} (
      id integer CHECK (id <> 30000), name text, email text, city text, notes text)`);
    loaders = new LoaderProcesses(ctx.t.env);
    await loaders.start([{ name: 'steady' }]);
    const id = await upload('people_checked');
    const done = await ctx.system.waitForJob(id, 90_000);

    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('TARGET_CONSTRAINT_VIOLATED');
    expect(done.error?.message).toContain('people_checked_id_check');
    const failures = await ctx.db.query<{ attempts: number; chunk_index: number }>(
      'SELECT attempts, chunk_index FROM ingest.chunk_failures WHERE job_id = $1',
      [id],
    );
    expect(failures.rows).toHaveLength(1);
    expect(failures.rows[0]?.attempts).toBe(1);
    const dead = await deadLetters(id);
    expect(dead).toEqual([
      {
        chunk_index: failures.rows[0]?.chunk_index,
        reason: 'rejected',
        queue: `${ctx.t.env.QUEUE_PREFIX}ingest.chunks`,
      },
    ]);
  });
});
