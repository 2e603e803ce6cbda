import { classifyFailure } from '@ingest/errors';
import { isWebhookUrlForbidden } from '@ingest/net-guard';
import { UnrecoverableError } from 'bullmq';
import type { Dispatcher } from 'undici';
import type { AttemptResult, WebhookDeliveryRepository } from './webhook-delivery-repository';
import type { WebhookEndpointRepository } from './webhook-endpoint-repository';
import type { WebhookTask } from './webhook-queue';
import { deliverWebhook, WebhookDeliveryError } from './webhook-sender';

export interface AttemptDeps {
  deliveries: WebhookDeliveryRepository;
  endpoints: WebhookEndpointRepository;
  /** Signs deliveries to a job's own `webhook_url` (WEBHOOK_SECRET). */
  jobSecret: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
}

export type AttemptOutcome = 'delivered' | 'skipped';

/** The message and its causes, innermost last: "fetch failed: connect ECONNREFUSED …". */
function describe(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  // Duck-typed: errors from another realm (Node internals under jest's vm) fail instanceof.
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const message = 'message' in current ? String(current.message) : '';
    if (message && !messages.some((m) => m.includes(message))) messages.push(message);
    current = 'cause' in current ? current.cause : undefined;
  }
  return messages.join(': ').slice(0, 1000) || String(error);
}

/**
 * One attempt of one delivery, logged in Postgres whatever happens. Throws to
 * let BullMQ retry on the schedule; UnrecoverableError when retrying cannot
 * help (the SSRF guard refused the address, the endpoint was deleted).
 * A scheduled attempt of a message already delivered (say, by hand) sends nothing.
 */
export async function runWebhookAttempt(
  task: WebhookTask,
  isLast: boolean,
  deps: AttemptDeps,
): Promise<AttemptOutcome> {
  const delivery = await deps.deliveries.get(task.deliveryId);
  if (!delivery) throw new UnrecoverableError(`no webhook delivery ${task.deliveryId}`);
  if (!task.manual && delivery.status === 'delivered') return 'skipped';

  const attemptedAt = new Date();
  const record = (result: Omit<AttemptResult, 'manual' | 'attemptedAt' | 'durationMs'>) =>
    deps.deliveries.recordAttempt(delivery.id, {
      manual: task.manual,
      attemptedAt,
      durationMs: Date.now() - attemptedAt.getTime(),
      ...result,
    });

  let secret = deps.jobSecret;
  if (delivery.target === 'endpoint') {
    let endpointSecret: string | null;
    try {
      endpointSecret = delivery.endpoint_id
        ? await deps.endpoints.signingSecret(delivery.endpoint_id)
        : null;
    } catch (e) {
      if (classifyFailure(e) === 'retryable') throw e; // the database, not the secret
      // Sealed under another WEBHOOK_ENCRYPTION_KEY (or altered): no retry can open it.
      const error = `the endpoint secret cannot be decrypted: ${describe(e)}`;
      await record({ httpStatus: null, error, outcome: 'failed' });
      throw new UnrecoverableError(error);
    }
    if (endpointSecret === null) {
      await record({ httpStatus: null, error: 'the endpoint was deleted', outcome: 'failed' });
      throw new UnrecoverableError(`endpoint of delivery ${delivery.id} was deleted`);
    }
    secret = endpointSecret;
  }

  try {
    const status = await deliverWebhook(
      { id: delivery.id, url: delivery.url, body: delivery.body },
      secret,
      deps.timeoutMs,
      deps.dispatcher,
    );
    await record({ httpStatus: status, error: null, outcome: 'delivered' });
    return 'delivered';
  } catch (e) {
    // A refused address is policy, not a network blip: retrying later cannot help.
    const forbidden = isWebhookUrlForbidden(e);
    await record({
      httpStatus: e instanceof WebhookDeliveryError ? e.httpStatus : null,
      error: describe(e),
      outcome: isLast || forbidden ? 'failed' : 'retrying',
    });
    if (forbidden) throw new UnrecoverableError(describe(e));
    throw e;
  }
}
