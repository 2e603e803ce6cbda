import { createLogger, s3OptionsFrom, type SplitterEnv, type Service } from '@ingest/config';
import { QUEUES, jobStoredSchema } from '@ingest/contracts';
import { JobLifecycle } from '@ingest/job-lifecycle';
import { createPool, JobRepository, migrate } from '@ingest/postgres';
import { AmqpConnection, ConfirmedPublisher, QueueConsumer } from '@ingest/rabbitmq';
import { RedisJobStateStore } from '@ingest/redis';
import { S3ObjectStore } from '@ingest/s3';
import { planJob } from './plan-job';

/** Builds the splitter: consumes stored jobs, publishes chunk tasks. */
export function buildSplitter(
  env: SplitterEnv,
  logger = createLogger('splitter', env.LOG_LEVEL),
): Service {
  const pool = createPool({
    connectionString: env.DATABASE_URL,
    applicationName: 'ingest-splitter',
    max: 4,
  });
  const store = new S3ObjectStore(s3OptionsFrom(env));
  const state = new RedisJobStateStore({
    url: env.REDIS_URL,
    keyPrefix: `${env.QUEUE_PREFIX}ingest:`,
  });
  const amqp = new AmqpConnection({ url: env.RABBITMQ_URL, queuePrefix: env.QUEUE_PREFIX });
  const publisher = new ConfirmedPublisher(amqp);
  const lifecycle = new JobLifecycle(new JobRepository(pool), state, publisher, logger);
  const consumer = new QueueConsumer(amqp, {
    queue: QUEUES.jobs,
    schema: jobStoredSchema,
    prefetch: 1,
    logger,
    handle: (message) =>
      planJob(
        {
          lifecycle,
          store,
          publisher,
          pool,
          logger,
          defaultChunkBytes: env.SPLITTER_CHUNK_BYTES,
          maxRecordBytes: env.INGEST_MAX_RECORD_BYTES,
        },
        message,
      ),
  });

  return {
    logger,
    async start() {
      await migrate(pool);
      await consumer.start();
      logger.info('splitter consuming');
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
