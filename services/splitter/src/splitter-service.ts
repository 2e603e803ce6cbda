import { createLogger, type SplitterEnv, type Service } from '@ingest/config';
import { QUEUES, jobStoredSchema } from '@ingest/contracts';
import { QueueConsumer } from '@ingest/rabbitmq';
import { createServiceAdapters } from '@ingest/runtime';
import { planJob } from './plan-job';

/** Builds the splitter: consumes stored jobs, publishes chunk tasks. */
export function buildSplitter(
  env: SplitterEnv,
  logger = createLogger('splitter', env.LOG_LEVEL),
): Service {
  const adapters = createServiceAdapters(env, { service: 'splitter', poolSize: 4 }, logger);
  const deps = {
    ...adapters,
    logger,
    defaultChunkBytes: env.SPLITTER_CHUNK_BYTES,
    maxRecordBytes: env.INGEST_MAX_RECORD_BYTES,
    maxDecompressedBytes: env.INGEST_MAX_DECOMPRESSED_BYTES,
  };
  const consumer = new QueueConsumer(adapters.amqp, {
    queue: QUEUES.jobs,
    schema: jobStoredSchema,
    prefetch: 1,
    logger,
    handle: (message, delivery) => planJob(deps, message, delivery),
  });

  return {
    logger,
    async start() {
      await adapters.migrate();
      await consumer.start();
      logger.info('splitter consuming');
    },
    async stop() {
      await consumer.stop();
      await adapters.close();
    },
  };
}
