import { createLogger, type LoaderEnv, type Service } from '@ingest/config';
import { QUEUES, chunkTaskSchema } from '@ingest/contracts';
import { ChunkWriter } from '@ingest/postgres';
import { QueueConsumer } from '@ingest/rabbitmq';
import { createServiceAdapters } from '@ingest/runtime';
import { loadChunk } from './load-chunk';

/** Builds the loader: consumes chunk tasks, COPYs them into Postgres. */
export function buildLoader(
  env: LoaderEnv,
  logger = createLogger('loader', env.LOG_LEVEL),
): Service {
  const adapters = createServiceAdapters(
    env,
    { service: 'loader', poolSize: env.LOADER_PREFETCH + 2 },
    logger,
  );
  const deps = {
    ...adapters,
    writer: new ChunkWriter(adapters.pool),
    logger,
  };
  const consumer = new QueueConsumer(adapters.amqp, {
    queue: QUEUES.chunks,
    schema: chunkTaskSchema,
    prefetch: env.LOADER_PREFETCH,
    logger,
    handle: (task, delivery) => loadChunk(deps, task, delivery),
  });

  return {
    logger,
    async start() {
      await adapters.migrate();
      await consumer.start();
      logger.info('loader consuming');
    },
    async stop() {
      await consumer.stop();
      await adapters.close();
    },
  };
}
