import { createLogger, type NotifierEnv, type Service } from '@ingest/config';
import { QUEUES, jobEventSchema, type JobEvent } from '@ingest/contracts';
import { readJob } from '@ingest/jobs';
import { createGuardedDispatcher, parseCidrs } from '@ingest/net-guard';
import { createPool } from '@ingest/postgres';
import { QueueConsumer } from '@ingest/rabbitmq';
import { amqpConnectionFor, retryPolicyFor } from '@ingest/runtime';
import {
  createWebhookWorker,
  fanOutEvent,
  SecretBox,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
  WebhookQueue,
  type JobSnapshot,
} from '@ingest/webhooks';

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
  const worker = createWebhookWorker({
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    schedule: env.NOTIFIER_SCHEDULE_MS,
    attempt: {
      deliveries,
      endpoints,
      jobSecret: env.WEBHOOK_SECRET,
      timeoutMs: env.NOTIFIER_TIMEOUT_MS,
      dispatcher,
    },
    logger,
  });

  // The payload is the job's view from Postgres at the event (the durable truth).
  const findJob = async (jobId: string): Promise<JobSnapshot | null> => {
    const found = await readJob(pool, jobId);
    if (!found) return null;
    const { record, view } = found;
    return { tenant: record.tenant, webhookUrl: record.webhook_url, view };
  };
  const enqueue = async (event: JobEvent) => {
    const ids = await fanOutEvent(event, { findJob, endpoints, deliveries });
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
      worker.run();
      await consumer.start();
      logger.info('notifier consuming');
    },
    async stop() {
      await consumer.stop();
      await worker.close();
      await queue.close();
      await amqp.close();
      await pool.end();
      await dispatcher.close();
    },
  };
}
