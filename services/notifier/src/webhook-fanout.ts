import type { JobEvent, JobEventType } from '@ingest/contracts';
import { readJob } from '@ingest/jobs';
import type {
  Pool,
  NewWebhookDelivery,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
} from '@ingest/postgres';
import { createHash } from 'node:crypto';
import type { WebhookPayload } from './webhook-delivery';

export interface FanOutDeps {
  /** The job's record and view are read from Postgres (the payload is the view at the event). */
  pool: Pool;
  endpoints: WebhookEndpointRepository;
  deliveries: WebhookDeliveryRepository;
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
  const found = await readJob(deps.pool, event.jobId);
  if (!found) return [];
  const { record, view } = found;
  const body = JSON.stringify(webhookPayload(event, view));
  const common = { tenant: record.tenant, jobId: record.id, event: event.type, body };
  const deliveries: NewWebhookDelivery[] = [];
  if (record.webhook_url) {
    deliveries.push({
      ...common,
      id: webhookDeliveryId(record.id, event.type, 'job'),
      target: 'job',
      endpointId: null,
      url: record.webhook_url,
    });
  }
  for (const endpoint of await deps.endpoints.subscribedTo(record.tenant, event.type)) {
    deliveries.push({
      ...common,
      id: webhookDeliveryId(record.id, event.type, `endpoint:${endpoint.id}`),
      target: 'endpoint',
      endpointId: endpoint.id,
      url: endpoint.url,
    });
  }
  for (const d of deliveries) await deps.deliveries.create(d);
  return deliveries.map((d) => d.id);
}
