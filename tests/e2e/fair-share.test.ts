import type { JobView } from '@ingest/contracts';
import {
  authorizedFetch,
  peopleFixture,
  useTestSystem,
  waitForJob,
  type TestSystem,
} from '@ingest/testing';
import { createServer } from 'node:net';
import {
  histogramCount,
  parseExposition,
  sampleValue,
  type MetricFamily,
} from '../support/prometheus-exposition';

/**
 * Fair share between tenants: two tenants' large jobs started together load at the same
 * rate (or in the ratio of their weights), measured from the ledger's commit times while
 * both load; the dispatch's queue per tenant and each job's wait are on the splitter's
 * /metrics and in the job view.
 */
const LARGE = peopleFixture(12_000, 7); // ~0.55 MB
const CHUNK = 2048; // ~270 chunks per job

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const upload = async (ctx: TestSystem, key: string, table: string): Promise<string> => {
  const res = await authorizedFetch(
    ctx.system.baseUrl,
    key,
    `/v1/jobs/raw?table=${table}&chunk_size=${CHUNK}`,
    { method: 'PUT', body: LARGE.text },
  );
  expect(res.status).toBe(202);
  return ((await res.json()) as JobView).id;
};

/**
 * Chunks each job committed while both were loading: between the later of their first
 * commits and the earlier of their last ones (the ledger's commit times).
 */
const commitsWhileBothLoad = async (ctx: TestSystem, a: string, b: string) => {
  const { rows } = await ctx.db.query<{ job_id: string; n: number }>(
    `WITH bounds AS (
       SELECT max(first) AS t0, min(last) AS t1 FROM (
         SELECT min(committed_at) AS first, max(committed_at) AS last
         FROM ingest.chunk_ledger WHERE job_id = ANY($1::uuid[]) GROUP BY job_id) per_job)
     SELECT l.job_id, count(*)::int AS n
     FROM ingest.chunk_ledger l, bounds
     WHERE l.job_id = ANY($1::uuid[]) AND l.committed_at BETWEEN bounds.t0 AND bounds.t1
     GROUP BY l.job_id`,
    [[a, b]],
  );
  const count = (id: string) => rows.find((r) => r.job_id === id)?.n ?? 0;
  return { a: count(a), b: count(b) };
};

const expectExact = async (ctx: TestSystem, schema: string, table: string) => {
  const { rows } = await ctx.db.query<{ n: number; ids: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM ${schema}.${table}`,
  );
  expect(rows[0]).toEqual({ n: 12_000, ids: 12_000 });
};

describe('fair share: two tenants with large jobs started together', () => {
  let metricsPort = 0;
  const ctx = useTestSystem(async () => {
    metricsPort = await freePort();
    return { SPLITTER_METRICS_PORT: String(metricsPort) };
  });
  const scrape = async (): Promise<Map<string, MetricFamily>> => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    return parseExposition(await res.text());
  };

  it('share the loaders about equally; the queue per tenant and the wait are visible', async () => {
    const keyA = ctx.system.apiKey; // tenant "default"
    const keyB = await ctx.system.createApiKey('tenant_b');
    const [a, b] = await Promise.all([upload(ctx, keyA, 'share_a'), upload(ctx, keyB, 'share_b')]);

    // While both load: each tenant's queue and chunks in flight, on the splitter's /metrics.
    let seen = new Map<string, MetricFamily>();
    const deadline = Date.now() + 60_000;
    for (;;) {
      seen = await scrape();
      const queued = (tenant: string) =>
        sampleValue(seen, 'ingest_dispatch_queued_chunks', { tenant });
      if (queued('default') > 0 && queued('tenant_b') > 0) break;
      if (Date.now() > deadline) throw new Error('never saw both tenants queued on /metrics');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const tenant of ['default', 'tenant_b']) {
      const inFlight = sampleValue(seen, 'ingest_dispatch_in_flight_chunks', { tenant });
      expect(inFlight).toBeLessThanOrEqual(4); // DISPATCH_JOB_WINDOW
      expect(sampleValue(seen, 'ingest_dispatch_queued_jobs', { tenant })).toBe(1);
      expect(sampleValue(seen, 'ingest_dispatch_oldest_wait_seconds', { tenant })).toBeGreaterThan(
        0,
      );
    }
    // The job view: its queue, and how long it waited for its first dispatch.
    const view = (await (
      await authorizedFetch(ctx.system.baseUrl, keyB, `/v1/jobs/${b}`)
    ).json()) as JobView;
    expect(view.queue?.waiting).toBeGreaterThan(0);
    expect(view.queue?.first_dispatched_at).not.toBeNull();
    expect(view.queue?.wait_seconds).toEqual(expect.any(Number));

    const doneA = await ctx.system.waitForJob(a, 240_000);
    const doneB = await waitForJob(ctx.system.baseUrl, keyB, b, 240_000);
    expect([doneA.status, doneB.status]).toEqual(['completed', 'completed']);
    expect(doneA.chunks.total).toBeGreaterThan(200);
    await expectExact(ctx, 't_default', 'share_a');
    await expectExact(ctx, 't_tenant_b', 'share_b');

    const share = await commitsWhileBothLoad(ctx, a, b);
    expect(share.a + share.b).toBeGreaterThan(150);
    const ratio = share.a / share.b;
    expect({ ...share, ratio }).toEqual({ ...share, ratio: expect.any(Number) });
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);

    // Both jobs' first dispatch was observed once each; their tenants left the gauges.
    const after = await scrape();
    expect(histogramCount(after, 'ingest_job_dispatch_wait_seconds')).toBeGreaterThanOrEqual(2);
    expect(sampleValue(after, 'ingest_dispatch_queued_chunks', { tenant: 'tenant_b' })).toBe(0);
    const final = (await (
      await authorizedFetch(ctx.system.baseUrl, keyB, `/v1/jobs/${b}`)
    ).json()) as JobView;
    expect(final.queue?.wait_seconds).toBeGreaterThanOrEqual(0);
    expect(final.queue?.wait_seconds).toBeLessThan(30);
  });
});

describe('fair share: a tenant of weight 2 beside one of weight 1', () => {
  // Six places over all jobs: the weights share them 4:2 (each job's window is 4).
  const ctx = useTestSystem({ DISPATCH_TENANT_WEIGHTS: 'heavy=2', DISPATCH_MAX_IN_FLIGHT: '6' });

  it('gets about twice the chunks while both load', async () => {
    const heavy = await ctx.system.createApiKey('heavy');
    const light = await ctx.system.createApiKey('light');
    const [h, l] = await Promise.all([
      upload(ctx, heavy, 'weighted_heavy'),
      upload(ctx, light, 'weighted_light'),
    ]);
    const [doneH, doneL] = await Promise.all([
      waitForJob(ctx.system.baseUrl, heavy, h, 240_000),
      waitForJob(ctx.system.baseUrl, light, l, 240_000),
    ]);
    expect([doneH.status, doneL.status]).toEqual(['completed', 'completed']);
    await expectExact(ctx, 't_heavy', 'weighted_heavy');
    await expectExact(ctx, 't_light', 'weighted_light');

    const share = await commitsWhileBothLoad(ctx, h, l);
    const ratio = share.a / share.b;
    expect({ ...share, ratio }).toEqual({ ...share, ratio: expect.any(Number) });
    expect(share.a).toBeGreaterThan(100);
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.5);
  });
});
