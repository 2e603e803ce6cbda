import { IngestMetrics } from './ingest-metrics';

const job = (tenant: string, inFlight: number, waiting: number, oldest = 0, first?: number) => ({
  tenant,
  inFlight,
  waiting,
  oldestWaitSeconds: oldest,
  firstDispatchWaitSeconds: first ?? null,
});

const values = async (metrics: IngestMetrics, name: string) =>
  Object.fromEntries(
    (await metrics.registry.getSingleMetric(name)?.get())?.values.map((v) => [
      String(v.labels.tenant),
      v.value,
    ]) ?? [],
  );

describe('IngestMetrics.recordDispatchQueue', () => {
  it('sums each tenant over its jobs and keeps its oldest wait', async () => {
    const metrics = new IngestMetrics('splitter');
    metrics.recordDispatchQueue([
      job('acme', 4, 100, 2.5),
      job('acme', 1, 0),
      job('beta', 3, 7, 9, 0.25),
    ]);
    expect(await values(metrics, 'ingest_dispatch_queued_chunks')).toEqual({ acme: 100, beta: 7 });
    expect(await values(metrics, 'ingest_dispatch_in_flight_chunks')).toEqual({ acme: 5, beta: 3 });
    expect(await values(metrics, 'ingest_dispatch_queued_jobs')).toEqual({ acme: 1, beta: 1 });
    expect(await values(metrics, 'ingest_dispatch_oldest_wait_seconds')).toEqual({
      acme: 2.5,
      beta: 9,
    });
  });

  it('drops a tenant without live jobs and observes each first dispatch once', async () => {
    const metrics = new IngestMetrics('splitter');
    metrics.recordDispatchQueue([job('acme', 2, 5, 1, 0.5), job('beta', 1, 1, 3, 2)]);
    metrics.recordDispatchQueue([job('acme', 4, 3, 1)]);
    expect(await values(metrics, 'ingest_dispatch_queued_chunks')).toEqual({ acme: 3 });
    const histogram = await metrics.jobDispatchWaitSeconds.get();
    const count = histogram.values.find((v) => v.metricName?.endsWith('_count'))?.value;
    const sum = histogram.values.find((v) => v.metricName?.endsWith('_sum'))?.value;
    expect({ count, sum }).toEqual({ count: 2, sum: 2.5 });
  });
});
