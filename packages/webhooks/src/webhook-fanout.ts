import type { JobEvent, JobEventType, JobView } from '@ingest/contracts';
import { createHash } from 'node:crypto';
import type { NewWebhookDelivery, WebhookDeliveryRepository } from './webhook-delivery-repository';
import type { WebhookEndpointRepository } from './webhook-endpoint-repository';
import type { WebhookPayload } from './webhook-sender';

/** What a fan-out needs to know of a job: its tenant, its own callback URL, its view now. */
export interface JobSnapshot {
  tenant: string;
  webhookUrl: string | null;
  view: JobView;
}

export interface FanOutDeps {
  /** The job as it is now, or null when there is no such job (the jobs feature owns the record). */
  findJob(jobId: string): Promise<JobSnapshot | null>;
  endpoints: WebhookEndpointRepository;
  deliveries: WebhookDeliveryRepository;
  /** Wait before a new delivery's first attempt (NOTIFIER_SCHEDULE_MS[0]). */
  firstAttemptInMs: number;
}

/**
 * The `webhook-id` of one event for one target: derived, not random, so a
 * redelivered event maps onto the same delivery (and the same BullMQ job).
 */
export function webhookDeliveryId(jobId: string, event: JobEventType, target: string): string {
  const digest = createHash('sha256').update(`${jobId}:${event}:${target}`).digest('base64url');
  return `msg_${digest.slice(0, 27)}`;
}

export function webhookPayload(event: JobEvent, data: WebhookPayload['data']): WebhookPayload {
  const self = `/v1/jobs/${event.jobId}`;
  return {
    type: event.type,
    timestamp: event.occurredAt,
    data,
    links: { self, rejects: `${self}/rejects` },
  };
}

/**
 * Records one delivery per target of the event: the job's own `webhook_url`
 * and every endpoint of the job's tenant subscribed to the event. Returns the
 * delivery ids to queue, including ones recorded by an earlier try of this event.
 */
export async function fanOutEvent(event: JobEvent, deps: FanOutDeps): Promise<string[]> {
  const job = await deps.findJob(event.jobId);
  if (!job) return [];
  const body = JSON.stringify(webhookPayload(event, job.view));
  const common = {
    tenant: job.tenant,
    jobId: event.jobId,
    event: event.type,
    body,
    firstAttemptInMs: deps.firstAttemptInMs,
  };
  const deliveries: NewWebhookDelivery[] = [];
  if (job.webhookUrl) {
    deliveries.push({
      ...common,
      id: webhookDeliveryId(event.jobId, event.type, 'job'),
      target: 'job',
      endpointId: null,
      url: job.webhookUrl,
    });
  }
  for (const endpoint of await deps.endpoints.subscribedTo(job.tenant, event.type)) {
    deliveries.push({
      ...common,
      id: webhookDeliveryId(event.jobId, event.type, `endpoint:${endpoint.id}`),
      target: 'endpoint',
      endpointId: endpoint.id,
      url: endpoint.url,
    });
  }
  for (const d of deliveries) await deps.deliveries.create(d);
  return deliveries.map((d) => d.id);
}
