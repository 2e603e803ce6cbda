import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { JOB_STATUS_LABELS, WEBHOOK_OUTCOMES, type WebhookOutcome } from './metric-labels';

/** Seconds from a few milliseconds (a small chunk) to ten minutes (a 1 GiB chunk on a slow disk). */
const DURATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

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

  /** @param service the `service` label on every series (gateway, splitter, loader, notifier). */
  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    // Every label value shows from the start, so rate() and absent series behave from zero.
    for (const status of JOB_STATUS_LABELS) this.jobTransitions.inc({ status }, 0);
    for (const outcome of WEBHOOK_OUTCOMES) this.webhookAttempts.inc({ outcome }, 0);
  }

  countWebhookAttempt(outcome: WebhookOutcome): void {
    this.webhookAttempts.inc({ outcome });
  }

  /** The text exposition format (version 0.0.4) and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
