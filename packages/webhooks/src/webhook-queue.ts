import { connectRedis, type Redis } from '@ingest/redis';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';

/** A queued webhook attempt: what to send lives in Postgres (ingest.webhook_deliveries). */
export interface WebhookTask {
  deliveryId: string;
  /** A hand-triggered redelivery: one attempt, sent even if the message was delivered. */
  manual: boolean;
}

/** BullMQ calls the worker's custom backoff strategy for any non-builtin type. */
export const WEBHOOK_BACKOFF_TYPE = 'webhook-schedule';

export const webhookQueueName = (queuePrefix: string): string =>
  `${queuePrefix}webhooks`.replace(/:/g, '_');

/**
 * The custom backoff strategy for an explicit schedule (NOTIFIER_SCHEDULE_MS):
 * BullMQ passes the failed attempts so far, so after attempt n the wait is `schedule[n]`.
 */
export const scheduleBackoff =
  (schedule: readonly number[]) =>
  (attemptsMade: number): number =>
    schedule[Math.min(attemptsMade, schedule.length - 1)] ?? 0;

export interface WebhookQueueOptions {
  redisUrl: string;
  queuePrefix: string;
  /** Delay before each scheduled attempt; its length is the attempt count. Default: one, now. */
  schedule?: readonly number[];
  /**
   * Fail a command quickly while Redis is down (the gateway answers 503) instead
   * of waiting for it to come back (the notifier keeps its event unacknowledged).
   */
  failFast?: boolean;
  onError?: (error: Error) => void;
}

const DAY_SECONDS = 24 * 3600;

/** Producer side of the webhook queue, shared by the notifier (fan-out) and the gateway (redeliver). */
export class WebhookQueue {
  private readonly redis: Redis;
  private readonly queue: Queue<WebhookTask>;
  private readonly delays: readonly number[];

  constructor(options: WebhookQueueOptions) {
    this.delays = options.schedule?.length ? options.schedule : [0];
    const onError = options.onError ?? (() => undefined);
    this.redis = connectRedis(options.redisUrl, {
      maxRetriesPerRequest: options.failFast ? 1 : null,
      onError,
    });
    this.queue = new Queue<WebhookTask>(webhookQueueName(options.queuePrefix), {
      connection: this.redis,
    });
    this.queue.on('error', onError);
  }

  /**
   * Queues the scheduled attempts of a delivery. The BullMQ job id is the
   * delivery id, so a repeated event (redelivered by RabbitMQ) queues nothing new.
   */
  async schedule(deliveryId: string): Promise<void> {
    await this.queue.add(
      'deliver',
      { deliveryId, manual: false },
      {
        jobId: deliveryId,
        delay: this.delays[0] ?? 0,
        attempts: this.delays.length,
        backoff: { type: WEBHOOK_BACKOFF_TYPE },
        removeOnComplete: { age: 7 * DAY_SECONDS },
        removeOnFail: { age: 30 * DAY_SECONDS },
      },
    );
  }

  /** Queues one hand-triggered attempt, under a job id of its own (never deduplicated). */
  async redeliver(deliveryId: string): Promise<void> {
    await this.queue.add(
      'redeliver',
      { deliveryId, manual: true },
      {
        jobId: `${deliveryId}-redeliver-${randomUUID()}`,
        attempts: 1,
        removeOnComplete: { age: DAY_SECONDS },
        removeOnFail: { age: 7 * DAY_SECONDS },
      },
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.redis.quit().catch(() => undefined);
  }
}
