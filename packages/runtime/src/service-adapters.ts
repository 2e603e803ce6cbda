import { storageSettingsFrom, type CommonEnv, type Logger } from '@ingest/config';
import { JobLifecycle, RedisJobStateStore } from '@ingest/jobs';
import type { IngestMetrics } from '@ingest/metrics';
import { createPool, migrate, type Pool, type PoolOptions } from '@ingest/postgres';
import { AmqpConnection, ConfirmedPublisher } from '@ingest/rabbitmq';
import { FsObjectStore, S3ObjectStore, type OwnedObjectStore } from '@ingest/object-store';

export interface ServiceAdapters {
  pool: Pool;
  store: OwnedObjectStore;
  state: RedisJobStateStore;
  amqp: AmqpConnection;
  publisher: ConfirmedPublisher;
  lifecycle: JobLifecycle;
  /** Applies pending numbered migrations (every service may, at start; see @ingest/postgres). */
  migrate(): Promise<void>;
  /** Closes every connection, publisher before broker, pools last. */
  close(): Promise<void>;
}

export interface AdapterOptions {
  /** Shown in Postgres' pg_stat_activity and RabbitMQ's connection list. */
  service: string;
  /** Postgres connections for this process. */
  poolSize: number;
  /** Server-side timeouts of every Postgres session (see createPool). */
  sessionTimeouts?: PoolOptions['sessionTimeouts'];
  /** Largest object this process writes (sets the S3 multipart part size). */
  maxObjectBytes?: number;
  /** Where job transitions are counted (ingest_job_transitions_total). */
  metrics?: IngestMetrics;
}

/** The broker connection, with the deployment's delivery limit (every service declares the queues). */
export const amqpConnectionFor = (env: CommonEnv): AmqpConnection =>
  new AmqpConnection({
    url: env.RABBITMQ_URL,
    queuePrefix: env.QUEUE_PREFIX,
    deliveryLimit: env.QUEUE_DELIVERY_LIMIT,
  });

/** How long a consumer retries a retryable failure within one delivery. */
export const retryPolicyFor = (env: CommonEnv) => ({
  retryDelayMs: env.WORKER_RETRY_DELAY_MS,
  retryBudgetMs: env.WORKER_RETRY_BUDGET_MS,
});

/** The object store STORAGE_BACKEND names (S3 by default; fs for one machine). */
export function createObjectStore(env: CommonEnv, maxObjectBytes?: number): OwnedObjectStore {
  const settings = storageSettingsFrom(env, maxObjectBytes);
  return settings.backend === 'fs'
    ? new FsObjectStore(settings.fs)
    : new S3ObjectStore(settings.s3);
}

/** The adapters every service builds the same way from parsed configuration. */
export function createServiceAdapters(
  env: CommonEnv,
  options: AdapterOptions,
  logger: Logger,
): ServiceAdapters {
  const pool = createPool({
    connectionString: env.DATABASE_URL,
    applicationName: `ingest-${options.service}`,
    max: options.poolSize,
    sessionTimeouts: options.sessionTimeouts,
  });
  const store = createObjectStore(env, options.maxObjectBytes);
  const state = new RedisJobStateStore({
    url: env.REDIS_URL,
    keyPrefix: `${env.QUEUE_PREFIX}ingest:`,
  });
  const amqp = amqpConnectionFor(env);
  const publisher = new ConfirmedPublisher(amqp);
  const { metrics } = options;
  const lifecycle = new JobLifecycle({
    pool,
    state,
    publisher,
    logger,
    onTransition: metrics ? (status) => metrics.jobTransitions.inc({ status }) : undefined,
  });
  return {
    pool,
    store,
    state,
    amqp,
    publisher,
    lifecycle,
    migrate: () => migrate(pool),
    async close() {
      await publisher.close();
      await amqp.close();
      await state.close();
      store.close();
      await pool.end();
    },
  };
}
