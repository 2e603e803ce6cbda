import type {
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookEndpoint,
} from '@ingest/webhooks';
import type { WebhookDeliveryView, WebhookEndpointView } from '../openapi/api-schemas';

/** An endpoint as the API shows it: never its secret (that is shown once, at creation). */
export const endpointView = (e: WebhookEndpoint): WebhookEndpointView => ({
  id: e.id,
  url: e.url,
  events: e.events,
  created_at: e.created_at.toISOString(),
});

/** A delivery with its attempts, oldest first. The body is not repeated: it is the job event. */
export const deliveryView = (
  d: WebhookDeliveryRecord,
  attempts: WebhookAttemptRecord[],
): WebhookDeliveryView => ({
  id: d.id,
  job_id: d.job_id,
  event: d.event,
  target: d.target,
  endpoint_id: d.endpoint_id,
  url: d.url,
  status: d.status,
  /** While pending: when the next scheduled attempt is due. */
  next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
  /** Once failed: why it can no longer be sent. */
  failure_reason: d.failure_reason,
  attempts: attempts.map((a) => ({
    number: a.number,
    manual: a.manual,
    attempted_at: a.attempted_at.toISOString(),
    duration_ms: a.duration_ms,
    http_status: a.http_status,
    error: a.error,
  })),
  created_at: d.created_at.toISOString(),
  delivered_at: d.delivered_at?.toISOString() ?? null,
});
