import type { Logger } from '@ingest/config';
import { connectRedis } from '@ingest/redis';
import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import { runWebhookAttempt, type AttemptDeps } from './webhook-attempt';
import { webhookQueueName, type WebhookTask } from './webhook-queue';
import { scheduleBackoff } from './webhook-schedule';

export interface WebhookWorkerOptions {
  redisUrl: string;
  queuePrefix: string;
  /** Attempts sent at once. Default 8. */
  concurrency?: number;
  /** Includes the schedule (NOTIFIER_SCHEDULE_MS) that decides every retry. */
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
 * Consumer side of the webhook queue: runs each queued attempt. A scheduled attempt that is
 * to be retried moves its own job back to `delayed` until the next one is due (the time
 * Postgres recorded), so a delivery keeps one job, under its own id, for its whole schedule.
 */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { logger } = options;
  // BullMQ needs blocking commands to wait forever: no per-request retry limit.
  const redis = connectRedis(options.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<WebhookTask>(
    webhookQueueName(options.queuePrefix),
    async (job, token) => {
      if (typeof job.data?.deliveryId !== 'string') {
        throw new UnrecoverableError('not a webhook task (queued by an older version?)');
      }
      const outcome = await runWebhookAttempt(job.data, options.attempt);
      if (outcome.kind === 'retry') {
        logger.info(
          { webhookId: job.data.deliveryId, retryInMs: outcome.inMs, error: outcome.error },
          'webhook attempt failed, retry scheduled',
        );
        await job.moveToDelayed(Date.now() + outcome.inMs, token);
        throw new DelayedError();
      }
      return outcome;
    },
    {
      connection: redis,
      concurrency: options.concurrency ?? 8,
      autorun: false,
      // Only jobs queued by an earlier version still carry the schedule as BullMQ attempts.
      settings: { backoffStrategy: scheduleBackoff(options.attempt.schedule) },
    },
  );
  worker.on('error', (err) => logger.warn({ err }, 'webhook worker error'));
  worker.on('completed', (job, outcome) =>
    logger.info(
      { webhookId: job.data.deliveryId, manual: job.data.manual, outcome },
      'webhook done',
    ),
  );
  // The attempt could not be recorded (the database): the delivery stays due in Postgres.
  worker.on('failed', (job, err) =>
    logger.warn({ webhookId: job?.data.deliveryId, err }, 'webhook attempt not recorded'),
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
