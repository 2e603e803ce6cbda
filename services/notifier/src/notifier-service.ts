import { createLogger, type NotifierEnv, type Service } from '@ingest/config';
import { QUEUES, jobEventSchema, type JobEvent } from '@ingest/contracts';
import { readJob } from '@ingest/jobs';
import { IngestMetrics, startMetricsServer, type MetricsServer } from '@ingest/metrics';
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
  WebhookScheduler,
  type JobSnapshot,
} from '@ingest/webhooks';

/**
 * Builds the notifier: turns job events into webhook deliveries (the job's own
 * URL and the tenant's subscribed endpoints), logged in Postgres with their
 * schedule (NOTIFIER_SCHEDULE_MS) and queued in BullMQ (on Redis) at their due
 * time. The BullMQ job id is the delivery id, so a repeated event never queues a
 * second delivery, and the sweeper queues again whatever Redis lost.
 */
export function buildNotifier(
  env: NotifierEnv,
  logger = createLogger('notifier', env.LOG_LEVEL),
): Service {
  const metrics = new IngestMetrics('notifier');
  let metricsServer: MetricsServer | undefined;
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
  });
  const scheduler = new WebhookScheduler({ deliveries, queue, logger });
  const dispatcher = createGuardedDispatcher(parseCidrs(env.WEBHOOK_ALLOWED_CIDRS), {
    connectTimeoutMs: env.NOTIFIER_TIMEOUT_MS,
  });
  const worker = createWebhookWorker({
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    attempt: {
      deliveries,
      endpoints,
      jobSecret: env.WEBHOOK_SECRET,
      timeoutMs: env.NOTIFIER_TIMEOUT_MS,
      dispatcher,
      schedule: env.NOTIFIER_SCHEDULE_MS,
      onSend: (outcome) => metrics.countWebhookAttempt(outcome),
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
    const firstAttemptInMs = env.NOTIFIER_SCHEDULE_MS[0] ?? 0;
    const ids = await fanOutEvent(event, { findJob, endpoints, deliveries, firstAttemptInMs });
    await scheduler.queue(ids);
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
      scheduler.startSweeping(env.NOTIFIER_SWEEP_INTERVAL_MS);
      await consumer.start();
      if (env.NOTIFIER_METRICS_PORT > 0) {
        metricsServer = await startMetricsServer(metrics, {
          host: env.METRICS_HOST,
          port: env.NOTIFIER_METRICS_PORT,
        });
      }
      logger.info({ metricsPort: metricsServer?.port }, 'notifier consuming');
    },
    async stop() {
      await metricsServer?.close();
      await consumer.stop();
      await scheduler.stop();
      await worker.close();
      await queue.close();
      await amqp.close();
      await pool.end();
      await dispatcher.close();
    },
  };
}
