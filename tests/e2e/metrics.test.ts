import { useTestSystem } from '@ingest/testing';
import { createServer } from 'node:net';
import {
  histogramCount,
  parseExposition,
  sampleValue,
  type MetricFamily,
} from '../support/prometheus-exposition';

/** A port nobody listens on right now (the kernel's pick, released again). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

describe('GET /metrics on the gateway and on each worker', () => {
  const ports = { splitter: 0, loader: 0, notifier: 0 };
  const ctx = useTestSystem(
    async () => {
      ports.splitter = await freePort();
      ports.loader = await freePort();
      ports.notifier = await freePort();
      return {
        SPLITTER_METRICS_PORT: String(ports.splitter),
        LOADER_METRICS_PORT: String(ports.loader),
        NOTIFIER_METRICS_PORT: String(ports.notifier),
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      };
    },
    { loaders: 1 },
  );

  const urls = () => ({
    gateway: `${ctx.system.baseUrl}/metrics`,
    splitter: `http://127.0.0.1:${ports.splitter}/metrics`,
    loader: `http://127.0.0.1:${ports.loader}/metrics`,
    notifier: `http://127.0.0.1:${ports.notifier}/metrics`,
  });

  const scrape = async (url: string): Promise<Map<string, MetricFamily>> => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };

  it('serves the text format with the default process metrics on every service', async () => {
    for (const [service, url] of Object.entries(urls())) {
      const families = await scrape(url);
      expect([service, families.get('process_cpu_user_seconds_total')?.type]).toEqual([
        service,
        'COUNTER',
      ]);
      expect(families.get('nodejs_heap_size_used_bytes')?.metrics[0]?.labels).toEqual({
        service,
      });
    }
    const other = await fetch(`http://127.0.0.1:${ports.loader}/other`);
    expect(other.status).toBe(404);
  });

  it('moves the counters of every stage when a job runs', async () => {
    const before = {
      gateway: await scrape(urls().gateway),
      splitter: await scrape(urls().splitter),
      loader: await scrape(urls().loader),
      notifier: await scrape(urls().notifier),
    };
    const hook = await ctx.system.fetch('/v1/webhooks', {
      method: 'POST',
      body: JSON.stringify({ url: 'http://127.0.0.1:9/unreachable' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(hook.status).toBe(201);
    const csv = 'id,name\n1,Ada\n2,Grace\n3,too,many\n';
    const res = await ctx.system.fetch('/v1/jobs/raw?table=metered&chunk_size=1KiB', {
      method: 'PUT',
      body: csv,
      headers: { 'X-Request-Id': 'metrics-upload-1' },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe('metrics-upload-1');
    const { id } = (await res.json()) as { id: string };
    // The request id is kept with the job, for the workers' log lines about it.
    const kept = await ctx.db.query('SELECT request_id FROM ingest.jobs WHERE id = $1', [id]);
    expect(kept.rows).toEqual([{ request_id: 'metrics-upload-1' }]);
    const job = await ctx.system.waitForJob(id);
    expect(job).toMatchObject({ status: 'completed', rows: { loaded: 2, rejected: 1 } });

    const gateway = await scrape(urls().gateway);
    const delta =
      (now: Map<string, MetricFamily>, was: Map<string, MetricFamily>) =>
      (name: string, labels: Record<string, string> = {}) =>
        sampleValue(now, name, labels) - sampleValue(was, name, labels);
    expect(delta(gateway, before.gateway)('ingest_uploaded_bytes_total')).toBe(csv.length);
    expect(
      delta(gateway, before.gateway)('ingest_job_transitions_total', { status: 'stored' }),
    ).toBe(1);
    expect(
      delta(gateway, before.gateway)('ingest_http_requests_total', {
        method: 'PUT',
        route: '/v1/jobs/raw',
        status: '202',
      }),
    ).toBe(1);

    const splitter = await scrape(urls().splitter);
    expect(
      delta(splitter, before.splitter)('ingest_job_transitions_total', { status: 'planned' }),
    ).toBe(1);

    const loader = await scrape(urls().loader);
    const loaded = delta(loader, before.loader);
    expect(loaded('ingest_chunks_loaded_total')).toBe(1);
    expect(loaded('ingest_rows_loaded_total')).toBe(2);
    expect(loaded('ingest_rows_rejected_total')).toBe(1);
    // Whoever settles last ends the job: the loader after the last commit, or the splitter when
    // planning finishes after it.
    const completed = { status: 'completed' };
    expect(
      loaded('ingest_job_transitions_total', completed) +
        delta(splitter, before.splitter)('ingest_job_transitions_total', completed),
    ).toBe(1);
    expect(
      histogramCount(loader, 'ingest_chunk_load_duration_seconds') -
        histogramCount(before.loader, 'ingest_chunk_load_duration_seconds'),
    ).toBe(1);
    expect(
      histogramCount(loader, 'ingest_chunk_queue_wait_seconds') -
        histogramCount(before.loader, 'ingest_chunk_queue_wait_seconds'),
    ).toBe(1);

    // The endpoint refuses connections: its first attempt ends in `error`.
    for (let i = 0; i < 100; i++) {
      const notifier = await scrape(urls().notifier);
      const attempts = delta(notifier, before.notifier);
      if (attempts('ingest_webhook_attempts_total', { outcome: 'error' }) >= 1) break;
      if (i === 99) throw new Error('no webhook attempt counted');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
