import { connectRedis, type Redis } from '@ingest/redis';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';

/** A queued webhook attempt: what to send and when lives in Postgres (ingest.webhook_deliveries). */
export interface WebhookTask {
  deliveryId: string;
  /** A hand-triggered redelivery: one attempt, sent even if the message was delivered. */
  manual: boolean;
}

export const webhookQueueName = (queuePrefix: string): string =>
  `${queuePrefix}webhooks`.replace(/:/g, '_');

export interface WebhookQueueOptions {
  redisUrl: string;
  queuePrefix: string;
  /**
   * Fail a command quickly while Redis is down (the gateway answers 503) instead
   * of waiting for it to come back (the notifier keeps its event unacknowledged).
   */
  failFast?: boolean;
  onError?: (error: Error) => void;
}

const DAY_SECONDS = 24 * 3600;

/**
 * Producer side of the webhook queue, shared by the notifier (scheduled attempts) and the
 * gateway (redeliver). Redis only caches the schedule: a delivery's BullMQ job id is the
 * delivery id and its delay is the delivery's `next_attempt_at`, so whatever Redis loses
 * is queued again from Postgres, once.
 */
export class WebhookQueue {
  private readonly redis: Redis;
  private readonly queue: Queue<WebhookTask>;

  constructor(options: WebhookQueueOptions) {
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
   * Makes sure the delivery's next scheduled attempt is queued, due in `dueInMs`. The BullMQ
   * job id is the delivery id, and adding an id that is waiting, delayed or running is a
   * no-op, so every notifier replica may call this for the same delivery at once. A finished
   * job left under that id (kept by an older version) is replaced. True when a job was added.
   */
  async ensureScheduled(deliveryId: string, dueInMs: number): Promise<boolean> {
    const state = await this.queue.getJobState(deliveryId);
    if (state === 'completed' || state === 'failed') await this.queue.remove(deliveryId);
    else if (state !== 'unknown') return false;
    await this.queue.add(
      'deliver',
      { deliveryId, manual: false },
      {
        jobId: deliveryId,
        delay: Math.max(0, dueInMs),
        // Postgres keeps the log and the schedule: a finished job has nothing left to say.
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
    return true;
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
