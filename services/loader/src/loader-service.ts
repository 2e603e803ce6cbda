import { createLogger, s3OptionsFrom, type LoaderEnv, type Service } from '@ingest/config';
import { QUEUES, chunkTaskSchema } from '@ingest/contracts';
import { JobLifecycle } from '@ingest/job-lifecycle';
import { ChunkWriter, createPool, JobRepository, migrate } from '@ingest/postgres';
import {
  AmqpConnection,
  ConfirmedPublisher,
  DEFAULT_DELIVERY_LIMIT,
  QueueConsumer,
} from '@ingest/rabbitmq';
import { RedisJobStateStore } from '@ingest/redis';
import { S3ObjectStore } from '@ingest/s3';
import { loadChunk } from './load-chunk';

/** Builds the loader: consumes chunk tasks, COPYs them into Postgres. */
export function buildLoader(
  env: LoaderEnv,
  logger = createLogger('loader', env.LOG_LEVEL),
): Service {
  const pool = createPool({
    connectionString: env.DATABASE_URL,
    applicationName: 'ingest-loader',
    max: env.LOADER_PREFETCH + 2,
  });
  const store = new S3ObjectStore(s3OptionsFrom(env));
  const state = new RedisJobStateStore({
    url: env.REDIS_URL,
    keyPrefix: `${env.QUEUE_PREFIX}ingest:`,
  });
  const amqp = new AmqpConnection({ url: env.RABBITMQ_URL, queuePrefix: env.QUEUE_PREFIX });
  const publisher = new ConfirmedPublisher(amqp);
  const lifecycle = new JobLifecycle(new JobRepository(pool), state, publisher, logger);
  const writer = new ChunkWriter(pool);
  const consumer = new QueueConsumer(amqp, {
    queue: QUEUES.chunks,
    schema: chunkTaskSchema,
    prefetch: env.LOADER_PREFETCH,
    logger,
    handle: (task, delivery) =>
      loadChunk(
        { lifecycle, writer, store, state, logger, maxDeliveries: DEFAULT_DELIVERY_LIMIT },
        task,
        delivery,
      ),
  });

  return {
    logger,
    async start() {
      await migrate(pool);
      await consumer.start();
      logger.info('loader consuming');
    },
    async stop() {
      await consumer.stop();
      await publisher.close();
      await amqp.close();
      await state.close();
      store.close();
      await pool.end();
    },
  };
}
