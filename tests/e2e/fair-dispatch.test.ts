import { createLogger, parseEnv, splitterEnvSchema } from '@ingest/config';
import type { JobView } from '@ingest/contracts';
import { buildSplitter } from '@ingest/splitter';
import type { ObjectStore } from '@ingest/object-store';
import {
  LoaderProcesses,
  authorizedFetch,
  peopleFixture,
  useTestSystem,
  waitForJob,
  type TestSystem,
} from '@ingest/testing';
import { Transform, type Readable } from 'node:stream';

/**
 * Fair dispatch: chunk tasks go out from each job's recorded plan a few at a
 * time, so a small job does not wait behind a large job's whole plan, for
 * another tenant or the same one; a killed loader's chunks still count until
 * they commit, so no window stalls; planning runs several jobs at once and a
 * failed scan resumes where its plan stopped.
 */
const LARGE = peopleFixture(20_000, 3); // ~0.9 MB
const LARGE_CHUNK = 2048; // ~450 chunks
const SMALL = peopleFixture(200, 5);

const upload = async (
  ctx: TestSystem,
  table: string,
  text: string,
  options: { key?: string; chunkSize?: number } = {},
): Promise<string> => {
  const query = `table=${table}${options.chunkSize ? `&chunk_size=${options.chunkSize}` : ''}`;
  const res = await authorizedFetch(
    ctx.system.baseUrl,
    options.key ?? ctx.system.apiKey,
    `/v1/jobs/raw?${query}`,
    { method: 'PUT', body: text },
  );
  expect(res.status).toBe(202);
  return ((await res.json()) as JobView).id;
};

/** Every row of the file exactly once: the count, the distinct ids and their sum. */
const expectExactlyOnce = async (ctx: TestSystem, table: string, rows: number) => {
  const { rows: found } = await ctx.db.query<{ n: number; ids: number; sum: string }>(
    `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, sum(id)::text AS sum FROM ${ctx.system.table(table)}`,
  );
  expect(found[0]).toEqual({ n: rows, ids: rows, sum: String((rows * (rows + 1)) / 2) });
};

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const committed = async (ctx: TestSystem, jobId: string) =>
  (
    await ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ingest.chunk_ledger WHERE job_id = $1',
      [jobId],
    )
  ).rows[0]?.n ?? 0;

describe('fair dispatch: a small job does not wait behind a large one', () => {
  const ctx = useTestSystem();
  let idleMs = 0;
  const largeIds: string[] = [];

  /** Submit → completed, measured from the client. */
  const timeSmallJob = async (table: string, key = ctx.system.apiKey) => {
    const started = Date.now();
    const id = await upload(ctx, table, SMALL.text, { key });
    const done = await waitForJob(ctx.system.baseUrl, key, id, 60_000);
    expect(done.status).toBe('completed');
    return { ms: Date.now() - started, done };
  };

  /** Starts a large job and returns once its loading is under way, far from its end. */
  const startLargeJob = async (table: string) => {
    const id = await upload(ctx, table, LARGE.text, { chunkSize: LARGE_CHUNK });
    largeIds.push(id);
    await until('the large job to load', async () => (await committed(ctx, id)) >= 5);
    return id;
  };

  it('measures a small job on the idle system', async () => {
    await timeSmallJob('warm_up'); // first table creation, connections, JIT
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push((await timeSmallJob(`small_idle_${i}`)).ms);
    idleMs = runs.sort((a, b) => a - b)[1] ?? 0;
    expect(idleMs).toBeGreaterThan(0);
  });

  it('another tenant: the small job completes within 2x its idle latency + 2 s', async () => {
    const large = await startLargeJob('large_a');
    const other = await ctx.system.createApiKey('other_tenant');
    const { ms, done } = await timeSmallJob('small_other_tenant', other);
    expect(done.tenant).toBe('other_tenant');
    expect(ms).toBeLessThanOrEqual(2 * idleMs + 2000);
    // It overtook the large job, which was still loading.
    expect(
      (await ctx.db.query('SELECT status FROM ingest.jobs WHERE id = $1', [large])).rows[0],
    ).toMatchObject({ status: 'loading' });
  });

  it('the same tenant: the small job completes within 2x its idle latency + 2 s', async () => {
    const large = await startLargeJob('large_b');
    const { ms } = await timeSmallJob('small_same_tenant');
    expect(ms).toBeLessThanOrEqual(2 * idleMs + 2000);
    expect(
      (await ctx.db.query('SELECT status FROM ingest.jobs WHERE id = $1', [large])).rows[0],
    ).toMatchObject({ status: 'loading' });
  });

  it('the large jobs complete exactly, and their view shows the queue', async () => {
    for (const [i, id] of largeIds.entries()) {
      const done = await ctx.system.waitForJob(id, 180_000);
      expect(done).toMatchObject({ status: 'completed', rows: { loaded: 20_000, rejected: 0 } });
      expect(done.chunks.total).toBeGreaterThan(300);
      expect(done.queue).toMatchObject({
        planned: done.chunks.total,
        dispatched: done.chunks.total,
        in_flight: 0,
      });
      await expectExactlyOnce(ctx, i === 0 ? 'large_a' : 'large_b', 20_000);
    }
  });

  it('a job view shows its queue while it loads: planned, dispatched, in flight, waiting', async () => {
    const id = await upload(ctx, 'large_view', LARGE.text, { chunkSize: LARGE_CHUNK });
    let seen: JobView['queue'] | undefined;
    await until('a loading view with chunks waiting', async () => {
      const view = (await (await ctx.system.fetch(`/v1/jobs/${id}`)).json()) as JobView;
      seen = view.queue;
      return view.status === 'loading' && (view.queue?.waiting ?? 0) > 0;
    });
    expect(seen?.in_flight).toBeGreaterThan(0);
    expect(seen?.in_flight).toBeLessThanOrEqual(4); // DISPATCH_JOB_WINDOW
    expect(seen?.dispatched).toBeLessThan(seen?.planned ?? 0);
    expect(seen?.waiting_since).not.toBeNull();
    await ctx.system.waitForJob(id, 180_000);
  });
});

describe('fair dispatch: a loader killed while holding window credits', () => {
  const ctx = useTestSystem(
    {
      DISPATCH_JOB_WINDOW: '2',
      QUEUE_DELIVERY_LIMIT: '5',
      WORKER_RETRY_BUDGET_MS: '300',
      WORKER_RETRY_DELAY_MS: '50',
    },
    { loaders: 0 },
  );
  let loaders: LoaderProcesses | undefined;
  afterAll(async () => {
    await loaders?.stop();
  });

  it('does not stall the job: the chunk is redelivered and the window refills', async () => {
    loaders = new LoaderProcesses(ctx.t.env);
    await loaders.start([{ name: 'crashing', failpoints: 'mid-copy=kill' }, { name: 'steady' }]);
    const rows = 3000;
    const id = await upload(ctx, 'killed_in_window', peopleFixture(rows, 9).text, {
      chunkSize: 8192,
    });
    const done = await ctx.system.waitForJob(id, 120_000);
    expect(loaders.killed.map((p) => p.name)).toEqual(['crashing']);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: rows, rejected: 0 } });
    expect(done.chunks.done).toBe(done.chunks.total);
    await expectExactlyOnce(ctx, 'killed_in_window', rows);
  });
});

/** Reads of one object (by key prefix) pass through `tap` (delay, count, fail). */
function tapReads(
  inner: ObjectStore,
  tap: (key: string, range: { start: number; end: number } | undefined) => Transform | null,
): ObjectStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'read') return Reflect.get(target, prop, receiver) as unknown;
      return async (key: string, range?: { start: number; end: number }): Promise<Readable> => {
        const body = await target.read(key, range);
        const transform = tap(key, range);
        if (!transform) return body;
        body.on('error', (e) => transform.destroy(e));
        return body.pipe(transform);
      };
    },
  });
}

describe('planning: concurrent, and resumed after a failure', () => {
  const ctx = useTestSystem({ WORKER_RETRY_DELAY_MS: '50' }, { splitter: false });
  /**
   * Faults by object size (each file of this suite has its own): scans of these objects
   * are slowed, or fail once past a byte count. Every scan's reads are recorded.
   */
  const slowSizes = new Set<number>();
  const failOnce = new Map<number, number>();
  const scans: { size: number; start: number; read: number }[] = [];
  let stopSplitter: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const env = parseEnv(splitterEnvSchema, ctx.t.env);
    const splitter = buildSplitter(env, createLogger('splitter', 'warn'), {
      wrapStore: (store) =>
        tapReads(store, (_key, range) => {
          // Samples read 64 KiB ranges; the scan reads on to the end of the object.
          if (!range || range.end - range.start <= 65_536) return null;
          const size = range.end;
          if (!slowSizes.has(size) && !failOnce.has(size) && !scans.some((s) => s.size === size))
            return null;
          const scan = { size, start: range.start, read: 0 };
          scans.push(scan);
          return new Transform({
            transform(piece: Buffer, _enc, done) {
              scan.read += piece.length;
              const failAt = failOnce.get(size);
              if (failAt !== undefined && scan.read >= failAt) {
                failOnce.delete(size);
                done(
                  Object.assign(new Error('injected: connection reset'), { code: 'ECONNRESET' }),
                );
                return;
              }
              if (slowSizes.has(size)) setTimeout(() => done(null, piece), 100);
              else done(null, piece);
            },
          });
        }),
    });
    await splitter.start();
    stopSplitter = () => splitter.stop();
  });
  afterAll(async () => {
    await stopSplitter?.();
  });

  it('a failed scan resumes at its last recorded chunk instead of byte 0', async () => {
    const rows = 40_000;
    const text = peopleFixture(rows, 21).text;
    const size = Buffer.byteLength(text);
    const chunkSize = 65_536;
    failOnce.set(size, Math.floor(size * 0.8));
    const id = await upload(ctx, 'resumed_plan', text, { chunkSize });
    const done = await ctx.system.waitForJob(id, 120_000);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: rows, rejected: 0 } });
    await expectExactlyOnce(ctx, 'resumed_plan', rows);

    const jobScans = scans.filter((s) => s.size === size);
    expect(jobScans).toHaveLength(2);
    const [first, second] = jobScans;
    expect(first?.start).toBe(0);
    expect(first?.read).toBeGreaterThanOrEqual(Math.floor(size * 0.8));
    // The second scan starts at the end of the last chunk the first one recorded.
    expect(second?.start).toBeGreaterThan(size * 0.8 - 2 * chunkSize - 65_536);
    expect(second?.read).toBe(size - (second?.start ?? 0));
    // Both scans together: the file once, plus less than two chunks and a piece again
    // (a restart from byte 0 would have read 1.8x the file).
    const total = (first?.read ?? 0) + (second?.read ?? 0);
    expect(total).toBeLessThan(size + 2 * chunkSize + 65_536);
    const { rows: plan } = await ctx.db.query<{ scans: number; last_scan_from: number }>(
      'SELECT scans, last_scan_from::int FROM ingest.job_plans WHERE job_id = $1',
      [id],
    );
    expect(plan[0]).toEqual({ scans: 2, last_scan_from: second?.start });
  });

  it("a small job's planning is not delayed by a large job's slow scan", async () => {
    slowSizes.add(Buffer.byteLength(LARGE.text)); // pieces of <= 64 KiB, 100 ms each
    const large = await upload(ctx, 'slow_scan', LARGE.text, { chunkSize: 4096 });
    await until('the large scan to be under way', async () => {
      const { rows } = await ctx.db.query<{ chunks_planned: number }>(
        'SELECT chunks_planned FROM ingest.job_plans WHERE job_id = $1',
        [large],
      );
      return (rows[0]?.chunks_planned ?? 0) > 0;
    });
    const small = await upload(ctx, 'beside_slow_scan', SMALL.text);
    const done = await ctx.system.waitForJob(small, 30_000);
    expect(done.status).toBe('completed');
    // Planned and loaded while the large scan still went on.
    const { rows } = await ctx.db.query<{ chunks_total: number | null }>(
      'SELECT chunks_total FROM ingest.jobs WHERE id = $1',
      [large],
    );
    expect(rows[0]?.chunks_total).toBeNull();
    const largeDone = await ctx.system.waitForJob(large, 120_000);
    expect(largeDone.status).toBe('completed');
    await expectExactlyOnce(ctx, 'slow_scan', 20_000);
  });
});
