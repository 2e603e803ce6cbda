import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATUS_LABELS, WEBHOOK_OUTCOMES, type WebhookOutcome } from './metric-labels';

/** Seconds from a few milliseconds (a small chunk) to ten minutes (a 1 GiB chunk on a slow disk). */
const DURATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** A live job's queue in the dispatch, as a dispatch round leaves it. */
export interface DispatchQueueSample {
  tenant: string;
  inFlight: number;
  waiting: number;
  oldestWaitSeconds: number;
  /** Set once per job: the round that dispatched its first chunk, and how long that waited. */
  firstDispatchWaitSeconds: number | null;
}

/**
 * Every metric of the system, in one registry per service process (never the global
 * one: tests run all services in one process, each must show only its own). Every
 * service exposes the same names, so one dashboard reads them all; a metric a service
 * never moves stays at zero there.
 */
export class IngestMetrics {
  readonly registry = new Registry();

  readonly uploadedBytes = new Counter({
    name: 'ingest_uploaded_bytes_total',
    help: 'Bytes of uploads stored as new jobs (gateway).',
    registers: [this.registry],
  });

  readonly jobTransitions = new Counter({
    name: 'ingest_job_transitions_total',
    help: 'Jobs that entered each status, counted by the process whose statement moved them.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly chunksLoaded = new Counter({
    name: 'ingest_chunks_loaded_total',
    help: 'Chunks committed by loaders.',
    registers: [this.registry],
  });

  readonly rowsLoaded = new Counter({
    name: 'ingest_rows_loaded_total',
    help: 'Rows committed into target tables.',
    registers: [this.registry],
  });

  readonly rowsRejected = new Counter({
    name: 'ingest_rows_rejected_total',
    help: 'Records kept as rejects (not loaded).',
    registers: [this.registry],
  });

  readonly chunkLoadSeconds = new Histogram({
    name: 'ingest_chunk_load_duration_seconds',
    help: 'Time from a loader taking a chunk to its commit.',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly chunkQueueWaitSeconds = new Histogram({
    name: 'ingest_chunk_queue_wait_seconds',
    help: 'Time a chunk message waited in the queue: from its publish to a loader taking it.',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'ingest_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome: delivered (2xx), rejected (another status), error (no answer).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'ingest_http_requests_total',
    help: 'Requests answered by the gateway, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpRequestSeconds = new Histogram({
    name: 'ingest_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by route.',
    labelNames: ['method', 'route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly tusBufferBytes = new Gauge({
    name: 'ingest_gateway_tus_buffer_bytes',
    help: 'Bytes of tus segment buffers the gateway holds now, of GATEWAY_TUS_BUFFER_BYTES.',
    registers: [this.registry],
  });

  // The dispatch's queue by tenant (splitter). Labels are tenants, never jobs: tenants are few
  // and created by an operator, job ids are unbounded (a series per job would grow the
  // time-series database for ever); a job's own queue is in its view.
  readonly dispatchQueuedChunks = new Gauge({
    name: 'ingest_dispatch_queued_chunks',
    help: 'Chunks recorded in live plans and not dispatched yet, by tenant (as the last dispatch round saw them).',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  readonly dispatchInFlightChunks = new Gauge({
    name: 'ingest_dispatch_in_flight_chunks',
    help: 'Chunks dispatched and not committed yet, by tenant.',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  readonly dispatchQueuedJobs = new Gauge({
    name: 'ingest_dispatch_queued_jobs',
    help: 'Live jobs with chunks waiting for dispatch, by tenant.',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  readonly dispatchOldestWaitSeconds = new Gauge({
    name: 'ingest_dispatch_oldest_wait_seconds',
    help: "Age of the tenant's oldest chunk waiting for dispatch (0: none waits).",
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  readonly jobDispatchWaitSeconds = new Histogram({
    name: 'ingest_job_dispatch_wait_seconds',
    help: "A job's wait for its turn: from its first chunk being recorded to that chunk's dispatch.",
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  // Loader back-off while the replicas lag behind the leader (loader).
  readonly replicaLagSeconds = new Gauge({
    name: 'ingest_loader_replica_lag_seconds',
    help: "The largest replay lag of the leader's replicas at the loader's last check (0: none or no replicas).",
    registers: [this.registry],
  });

  readonly loaderPaused = new Gauge({
    name: 'ingest_loader_paused',
    help: '1 while the loader starts no chunk because replica lag is over LOADER_MAX_REPLICA_LAG.',
    registers: [this.registry],
  });

  readonly loaderPauses = new Counter({
    name: 'ingest_loader_pauses_total',
    help: 'Times the loader paused for replica lag.',
    registers: [this.registry],
  });

  /** @param service the `service` label on every series (gateway, splitter, loader, notifier). */
  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    // Every label value shows from the start, so rate() and absent series behave from zero.
    for (const status of JOB_STATUS_LABELS) this.jobTransitions.inc({ status }, 0);
    for (const outcome of WEBHOOK_OUTCOMES) this.webhookAttempts.inc({ outcome }, 0);
  }

  /**
   * Sets the dispatch gauges from one round's view of every live job (tenants without one
   * drop out) and observes the first-dispatch waits the round settled.
   */
  recordDispatchQueue(jobs: readonly DispatchQueueSample[]): void {
    const byTenant = new Map<
      string,
      { queued: number; inFlight: number; jobs: number; oldest: number }
    >();
    for (const job of jobs) {
      const t = byTenant.get(job.tenant) ?? { queued: 0, inFlight: 0, jobs: 0, oldest: 0 };
      t.queued += job.waiting;
      t.inFlight += job.inFlight;
      if (job.waiting > 0) t.jobs++;
      t.oldest = Math.max(t.oldest, job.oldestWaitSeconds);
      byTenant.set(job.tenant, t);
      if (job.firstDispatchWaitSeconds !== null) {
        this.jobDispatchWaitSeconds.observe(job.firstDispatchWaitSeconds);
      }
    }
    // Reset and set in one synchronous step: a scrape never sees a half-updated set.
    for (const gauge of [
      this.dispatchQueuedChunks,
      this.dispatchInFlightChunks,
      this.dispatchQueuedJobs,
      this.dispatchOldestWaitSeconds,
    ]) {
      gauge.reset();
    }
    for (const [tenant, t] of byTenant) {
      this.dispatchQueuedChunks.set({ tenant }, t.queued);
      this.dispatchInFlightChunks.set({ tenant }, t.inFlight);
      this.dispatchQueuedJobs.set({ tenant }, t.jobs);
      this.dispatchOldestWaitSeconds.set({ tenant }, t.oldest);
    }
  }

  countWebhookAttempt(outcome: WebhookOutcome): void {
    this.webhookAttempts.inc({ outcome });
  }

  /** The text exposition format (version 0.0.4) and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
