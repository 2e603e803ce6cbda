import { classifyFailure } from '@ingest/errors';
import { isWebhookUrlForbidden } from '@ingest/net-guard';
import type { Dispatcher } from 'undici';
import type { AttemptResult, WebhookDeliveryRepository } from './webhook-delivery-repository';
import { ENDPOINT_DELETED, type WebhookEndpointRepository } from './webhook-endpoint-repository';
import type { WebhookTask } from './webhook-queue';
import { nextAttemptDelay, type WebhookSchedule } from './webhook-schedule';
import { deliverWebhook, WebhookDeliveryError } from './webhook-sender';

export interface AttemptDeps {
  deliveries: WebhookDeliveryRepository;
  endpoints: WebhookEndpointRepository;
  /** Signs deliveries to a job's own `webhook_url` (WEBHOOK_SECRET). */
  jobSecret: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
  /** NOTIFIER_SCHEDULE_MS: decides whether a failed scheduled attempt is retried, and when. */
  schedule: WebhookSchedule;
  /**
   * Told of every send (metrics): `delivered` (a 2xx), `rejected` (another status) or
   * `error` (no answer: refused address, connection, timeout). Must not throw.
   */
  onSend?: (outcome: 'delivered' | 'rejected' | 'error') => void;
}

/** What became of one attempt, for the queue: only `retry` queues another one. */
export type AttemptOutcome =
  | { kind: 'delivered' }
  /** Nothing sent: the delivery is gone, or a scheduled attempt found it no longer pending. */
  | { kind: 'skipped' }
  /** Not delivered and not retried: the delivery ended `failed`, or a hand-made attempt failed. */
  | { kind: 'failed'; reason: string }
  /** Not delivered; the next scheduled attempt is due in `inMs` (recorded in Postgres). */
  | { kind: 'retry'; inMs: number; error: string };

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
 * One attempt of one delivery, logged in Postgres whatever happens, with the delivery's next
 * state in the same statement: when a scheduled attempt fails, Postgres records when the next
 * one is due (from NOTIFIER_SCHEDULE_MS), or that the delivery failed once the schedule ran
 * out. A refused address, a deleted endpoint or an unreadable secret fail it at once. A
 * scheduled attempt of a delivery that is no longer pending sends nothing; a hand-made one
 * always sends, and its failure leaves a pending delivery's schedule as it was.
 * Throws only when the attempt could not be recorded (the database): nothing is then lost,
 * since the delivery stays due and the sweeper queues it again.
 */
export async function runWebhookAttempt(
  task: WebhookTask,
  deps: AttemptDeps,
): Promise<AttemptOutcome> {
  const delivery = await deps.deliveries.get(task.deliveryId);
  if (!delivery) return { kind: 'skipped' };
  if (!task.manual && delivery.status !== 'pending') return { kind: 'skipped' };
  const made = delivery.scheduled_attempts + 1;
  const retryInMs = task.manual ? null : nextAttemptDelay(deps.schedule, made);

  const attemptedAt = new Date();
  const record = (result: Omit<AttemptResult, 'manual' | 'attemptedAt' | 'durationMs'>) =>
    deps.deliveries.recordAttempt(delivery.id, {
      manual: task.manual,
      attemptedAt,
      durationMs: Date.now() - attemptedAt.getTime(),
      ...result,
    });
  const fail = async (error: string, httpStatus: number | null = null) => {
    await record({ httpStatus, error, outcome: 'failed' });
    return { kind: 'failed', reason: error } as const;
  };

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
      return fail(`the endpoint secret cannot be decrypted: ${describe(e)}`);
    }
    if (endpointSecret === null) return fail(ENDPOINT_DELETED);
    secret = endpointSecret;
  }

  let error: string;
  let httpStatus: number | null = null;
  try {
    const status = await deliverWebhook(
      { id: delivery.id, url: delivery.url, body: delivery.body },
      secret,
      deps.timeoutMs,
      deps.dispatcher,
    );
    deps.onSend?.('delivered');
    await record({ httpStatus: status, error: null, outcome: 'delivered' });
    return { kind: 'delivered' };
  } catch (e) {
    error = describe(e);
    httpStatus = e instanceof WebhookDeliveryError ? e.httpStatus : null;
    deps.onSend?.(httpStatus === null ? 'error' : 'rejected');
    // A refused address is policy, not a network blip: retrying later cannot help.
    if (isWebhookUrlForbidden(e)) return fail(error, httpStatus);
  }
  if (task.manual) {
    await record({ httpStatus, error, outcome: 'retrying' });
    return { kind: 'failed', reason: error };
  }
  if (retryInMs === null) {
    await record({
      httpStatus,
      error,
      outcome: 'failed',
      failureReason: `gave up after ${made} scheduled attempts: ${error}`,
    });
    return { kind: 'failed', reason: error };
  }
  const after = await record({ httpStatus, error, outcome: 'retrying', retryInMs });
  // Ended meanwhile (its endpoint was deleted, say): nothing more to queue.
  if (after?.status !== 'pending') return { kind: 'failed', reason: error };
  return { kind: 'retry', inMs: retryInMs, error };
}
