import { createLogger, type NotifierEnv, type Service } from '@ingest/config';
import { QUEUES, jobEventSchema, type JobEvent } from '@ingest/contracts';
import { createPool, JobRepository, toJobView } from '@ingest/postgres';
import { AmqpConnection, QueueConsumer } from '@ingest/rabbitmq';
import { Queue, Worker } from 'bullmq';
import { createGuardedDispatcher, parseCidrs } from '@ingest/net-guard';
import { Redis } from 'ioredis';
import { deliverWebhook, type WebhookDelivery, type WebhookPayload } from './webhook-delivery';

/**
 * Builds the notifier: turns job events into webhook deliveries, queued in
 * BullMQ (on Redis) with exponential retries. The BullMQ job id is the event
 * id, so a repeated event never queues a second delivery.
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
  const jobs = new JobRepository(pool);
  // BullMQ needs blocking commands to wait forever: no per-request retry limit.
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const queueName = `${env.QUEUE_PREFIX}webhooks`.replace(/[:]/g, '_');
  const queue = new Queue<WebhookDelivery>(queueName, { connection: redis });
  const dispatcher = createGuardedDispatcher(parseCidrs(env.WEBHOOK_ALLOWED_CIDRS), {
    connectTimeoutMs: env.NOTIFIER_TIMEOUT_MS,
  });
  const workerRedis = redis.duplicate();
  const worker = new Worker<WebhookDelivery>(
    queueName,
    async (job) =>
      deliverWebhook(job.data, env.WEBHOOK_SECRET, env.NOTIFIER_TIMEOUT_MS, dispatcher),
    { connection: workerRedis, concurrency: 8, autorun: false },
  );
  worker.on('completed', (job) =>
    logger.info({ webhookId: job.data.id, attempts: job.attemptsMade }, 'webhook delivered'),
  );
  worker.on('failed', (job, err) =>
    logger.warn(
      { webhookId: job?.data.id, attempts: job?.attemptsMade, err },
      'webhook attempt failed',
    ),
  );

  const enqueue = async (event: JobEvent) => {
    const record = await jobs.get(event.jobId);
    if (!record?.webhook_url) return;
    const id = `${event.jobId}:${event.type}`;
    const payload: WebhookPayload = {
      type: event.type,
      timestamp: event.occurredAt,
      data: toJobView(record, await jobs.progress(event.jobId)),
    };
    await queue.add(
      'deliver',
      {
        id: `msg_${id.replace(/[^A-Za-z0-9]/g, '_')}`,
        url: record.webhook_url,
        body: JSON.stringify(payload),
      },
      {
        jobId: id.replace(/:/g, '_'),
        attempts: env.NOTIFIER_MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: env.NOTIFIER_BACKOFF_MS },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    );
  };

  const amqp = new AmqpConnection({ url: env.RABBITMQ_URL, queuePrefix: env.QUEUE_PREFIX });
  const consumer = new QueueConsumer(amqp, {
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
      await redis.quit().catch(() => undefined);
      await pool.end();
      await dispatcher.close();
    },
  };
}
