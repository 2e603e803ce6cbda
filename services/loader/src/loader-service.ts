import { createLogger, type LoaderEnv, type Service } from '@ingest/config';
import { QUEUES, chunkTaskSchema } from '@ingest/contracts';
import { ChunkWriter } from '@ingest/loading';
import { IngestMetrics, startMetricsServer, type MetricsServer } from '@ingest/metrics';
import { QueueConsumer } from '@ingest/rabbitmq';
import { createServiceAdapters, retryPolicyFor } from '@ingest/runtime';
import { Failpoints } from './failpoints';
import { loadChunk } from './load-chunk';

/** Builds the loader: consumes chunk tasks, COPYs them into Postgres. */
export function buildLoader(
  env: LoaderEnv,
  logger = createLogger('loader', env.LOG_LEVEL),
): Service {
  const metrics = new IngestMetrics('loader');
  let metricsServer: MetricsServer | undefined;
  const adapters = createServiceAdapters(
    env,
    { service: 'loader', poolSize: env.LOADER_PREFETCH + 2, metrics },
    logger,
  );
  const deps = {
    ...adapters,
    writer: new ChunkWriter(adapters.pool),
    logger,
    failpoints: Failpoints.parse(env.LOADER_FAILPOINTS),
    copyFormat: env.LOADER_COPY_FORMAT,
    metrics,
  };
  if (deps.failpoints.armed) logger.warn({ failpoints: env.LOADER_FAILPOINTS }, 'failpoints armed');
  const consumer = new QueueConsumer(adapters.amqp, {
    ...retryPolicyFor(env),
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
      if (env.LOADER_METRICS_PORT > 0) {
        metricsServer = await startMetricsServer(metrics, {
          host: env.METRICS_HOST,
          port: env.LOADER_METRICS_PORT,
        });
      }
      logger.info({ metricsPort: metricsServer?.port }, 'loader consuming');
    },
    async stop() {
      await metricsServer?.close();
      await consumer.stop();
      await adapters.close();
    },
  };
}
