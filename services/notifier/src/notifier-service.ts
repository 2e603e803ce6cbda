import { createLogger, type NotifierEnv, type Service } from '@ingest/config';
import { QUEUES, jobEventSchema, type JobEvent } from '@ingest/contracts';
import {
  createPool,
  SecretBox,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
} from '@ingest/postgres';
import { QueueConsumer } from '@ingest/rabbitmq';
import { amqpConnectionFor, retryPolicyFor } from '@ingest/runtime';
import { scheduleBackoff, WebhookQueue, webhookQueueName, type WebhookTask } from '@ingest/redis';
import { UnrecoverableError, Worker } from 'bullmq';
import { createGuardedDispatcher, parseCidrs } from '@ingest/net-guard';
import { Redis } from 'ioredis';
import { runWebhookAttempt } from './webhook-attempt';
import { fanOutEvent } from './webhook-fanout';

/**
 * Builds the notifier: turns job events into webhook deliveries (the job's own
 * URL and the tenant's subscribed endpoints), logged in Postgres and queued in
 * BullMQ (on Redis) on the NOTIFIER_SCHEDULE_MS schedule. The BullMQ job id is
 * the delivery id, so a repeated event never queues a second delivery.
 */
export function buildNotifier(
  env: NotifierEnv,
  logger = createLogger('notifier', env.LOG_LEVEL),
): Service {
  const pool = createPool({
    connectionString: env.DATABASE_URL,
    applicationName: 'ingest-notifier',
    max: 2,
  });
  const endpoints = new WebhookEndpointRepository(
    pool,
    SecretBox.fromBase64(env.WEBHOOK_ENCRYPTION_KEY),
  );
  const deliveries = new WebhookDeliveryRepository(pool);
  const queue = new WebhookQueue({
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    schedule: env.NOTIFIER_SCHEDULE_MS,
  });
  const dispatcher = createGuardedDispatcher(parseCidrs(env.WEBHOOK_ALLOWED_CIDRS), {
    connectTimeoutMs: env.NOTIFIER_TIMEOUT_MS,
  });
  const attemptDeps = {
    deliveries,
    endpoints,
    jobSecret: env.WEBHOOK_SECRET,
    timeoutMs: env.NOTIFIER_TIMEOUT_MS,
    dispatcher,
  };
  // BullMQ needs blocking commands to wait forever: no per-request retry limit.
  const workerRedis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  workerRedis.on('error', () => undefined);
  const worker = new Worker<WebhookTask>(
    webhookQueueName(env.QUEUE_PREFIX),
    async (job) => {
      if (typeof job.data?.deliveryId !== 'string') {
        throw new UnrecoverableError('not a webhook task (queued by an older version?)');
      }
      const isLast = job.data.manual || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return runWebhookAttempt(job.data, isLast, attemptDeps);
    },
    {
      connection: workerRedis,
      concurrency: 8,
      autorun: false,
      settings: { backoffStrategy: scheduleBackoff(env.NOTIFIER_SCHEDULE_MS) },
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

  const enqueue = async (event: JobEvent) => {
    const ids = await fanOutEvent(event, { pool, endpoints, deliveries });
    for (const id of ids) await queue.schedule(id);
  };

  const amqp = amqpConnectionFor(env);
  const consumer = new QueueConsumer(amqp, {
    ...retryPolicyFor(env),
    queue: QUEUES.events,
    schema: jobEventSchema,
    prefetch: 16,
    logger,
    handle: enqueue,
  });

  return {
    logger,
    async start() {
      worker.run().catch((e: unknown) => logger.error({ err: e }, 'webhook worker stopped'));
      await consumer.start();
      logger.info('notifier consuming');
    },
    async stop() {
      await consumer.stop();
      await worker.close();
      await queue.close();
      await amqp.close();
      await workerRedis.quit().catch(() => undefined);
      await pool.end();
      await dispatcher.close();
    },
  };
}
