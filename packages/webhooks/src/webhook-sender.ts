import type { JobEventType, JobView } from '@ingest/contracts';
import { undiciFetch } from '@ingest/net-guard';
import type { Dispatcher } from 'undici';
import { webhookHeaders } from './webhook-signature';

/** What a queued delivery carries: the exact body, so every attempt sends identical bytes. */
export interface WebhookDelivery {
  /** Stable across retries of the same event (Standard Webhooks `webhook-id`). */
  id: string;
  url: string;
  body: string;
}

export interface WebhookPayload {
  type: JobEventType;
  timestamp: string;
  data: JobView;
  links: { self: string; rejects: string };
}

export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
  constructor(
    message: string,
    /** The receiver's answer when there was one (a non-2xx), else null. */
    readonly httpStatus: number | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * One attempt: POST with a timeout; only a 2xx counts as delivered. Redirects
 * are never followed (a receiver cannot bounce the request elsewhere).
 */
export async function deliverWebhook(
  delivery: WebhookDelivery,
  secret: string,
  timeoutMs: number,
  dispatcher: Dispatcher,
): Promise<number> {
  let response: Awaited<ReturnType<typeof undiciFetch>>;
  try {
    // The guarded dispatcher re-checks the address actually connected to (DNS rebinding).
    response = await undiciFetch(delivery.url, {
      dispatcher,
      method: 'POST',
      headers: webhookHeaders(secret, delivery.id, delivery.body),
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new WebhookDeliveryError(`POST ${delivery.url} failed: ${(e as Error).message}`, null, {
      cause: e,
    });
  }
  await response.body?.cancel();
  if (response.status < 200 || response.status >= 300) {
    throw new WebhookDeliveryError(
      `POST ${delivery.url} answered ${response.status}`,
      response.status,
    );
  }
  return response.status;
}
