import type { Logger } from '@ingest/config';
import { connectRedis } from '@ingest/redis';
import { UnrecoverableError, Worker } from 'bullmq';
import { runWebhookAttempt, type AttemptDeps } from './webhook-attempt';
import { scheduleBackoff, webhookQueueName, type WebhookTask } from './webhook-queue';

export interface WebhookWorkerOptions {
  redisUrl: string;
  queuePrefix: string;
  /** The delays of NOTIFIER_SCHEDULE_MS: after the n-th failed attempt, wait `schedule[n]`. */
  schedule: readonly number[];
  /** Attempts sent at once. Default 8. */
  concurrency?: number;
  attempt: AttemptDeps;
  logger: Logger;
}

export interface WebhookWorker {
  /** Starts taking attempts off the queue (returns at once). */
  run(): void;
  /** Waits for the attempts in flight, then closes the connection. */
  close(): Promise<void>;
}

/**
 * Consumer side of the webhook queue: runs each queued attempt, retried by
 * BullMQ on the schedule (a custom backoff strategy). A hand-triggered attempt
 * and the schedule's last one are final: their failure marks the delivery failed.
 */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { logger } = options;
  // BullMQ needs blocking commands to wait forever: no per-request retry limit.
  const redis = connectRedis(options.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<WebhookTask>(
    webhookQueueName(options.queuePrefix),
    async (job) => {
      if (typeof job.data?.deliveryId !== 'string') {
        throw new UnrecoverableError('not a webhook task (queued by an older version?)');
      }
      const isLast = job.data.manual || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return runWebhookAttempt(job.data, isLast, options.attempt);
    },
    {
      connection: redis,
      concurrency: options.concurrency ?? 8,
      autorun: false,
      settings: { backoffStrategy: scheduleBackoff(options.schedule) },
    },
  );
  worker.on('error', (err) => logger.warn({ err }, 'webhook worker error'));
  worker.on('completed', (job, outcome) =>
    logger.info(
      { webhookId: job.data.deliveryId, attempts: job.attemptsMade + 1, outcome },
      'webhook done',
    ),
  );
  worker.on('failed', (job, err) =>
    logger.warn(
      { webhookId: job?.data.deliveryId, attempts: job?.attemptsMade, err },
      'webhook attempt failed',
    ),
  );
  return {
    run() {
      worker.run().catch((e: unknown) => logger.error({ err: e }, 'webhook worker stopped'));
    },
    async close() {
      await worker.close();
      await redis.quit().catch(() => undefined);
    },
  };
}
