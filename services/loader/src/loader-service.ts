import { createLogger, type LoaderEnv, type Service } from '@ingest/config';
import { QUEUES, chunkTaskSchema } from '@ingest/contracts';
import { ChunkWriter } from '@ingest/loading';
import { IngestMetrics, startMetricsServer, type MetricsServer } from '@ingest/metrics';
import { QueueConsumer } from '@ingest/rabbitmq';
import { createServiceAdapters, retryPolicyFor } from '@ingest/runtime';
import { ChunkGuard } from './chunk-guard';
import { Failpoints } from './failpoints';
import { loadChunk } from './load-chunk';
import { ReplicaLagGate } from './replica-lag-gate';

/** Builds the loader: consumes chunk tasks, COPYs them into Postgres, holds back while replicas lag. */
export function buildLoader(
  env: LoaderEnv,
  logger = createLogger('loader', env.LOG_LEVEL),
): Service {
  const metrics = new IngestMetrics('loader');
  let metricsServer: MetricsServer | undefined;
  const adapters = createServiceAdapters(
    env,
    {
      service: 'loader',
      poolSize: env.LOADER_PREFETCH + 2,
      // A session stuck inside a transaction (this process wedged mid-chunk) is ended by the
      // server, so its locks never outlive it; statement_timeout is set per chunk (load-chunk.ts).
      sessionTimeouts: { idleInTransactionMs: env.LOADER_IDLE_IN_TRANSACTION_TIMEOUT },
      metrics,
    },
    logger,
  );
  const guard = new ChunkGuard({
    pool: adapters.pool,
    logger,
    checkIntervalMs: env.LOADER_CANCEL_CHECK_INTERVAL,
    budget: { baseMs: env.LOADER_CHUNK_BUDGET_BASE, perMibMs: env.LOADER_CHUNK_BUDGET_PER_MIB },
  });
  const deps = {
    ...adapters,
    writer: new ChunkWriter(adapters.pool),
    logger,
    failpoints: Failpoints.parse(env.LOADER_FAILPOINTS),
    copyFormat: env.LOADER_COPY_FORMAT,
    guard,
    metrics,
  };
  const lagGate = new ReplicaLagGate(
    { db: adapters.pool, logger, metrics },
    {
      maxLagMs: env.LOADER_MAX_REPLICA_LAG,
      checkIntervalMs: env.LOADER_REPLICA_LAG_CHECK_INTERVAL,
    },
  );
  if (deps.failpoints.armed) logger.warn({ failpoints: env.LOADER_FAILPOINTS }, 'failpoints armed');
  const consumer = new QueueConsumer(adapters.amqp, {
    ...retryPolicyFor(env),
    queue: QUEUES.chunks,
    schema: chunkTaskSchema,
    prefetch: env.LOADER_PREFETCH,
    logger,
    handle: async (task, delivery) => {
      // Before its COPY: a chunk held here keeps its message, so prefetch bounds what waits.
      await lagGate.passage();
      await loadChunk(deps, task, delivery);
    },
  });

  return {
    logger,
    async start() {
      await adapters.migrate();
      guard.start();
      await lagGate.start();
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
      // The consumer stops taking messages first; then the held chunks are let go and drained.
      const consumerStopped = consumer.stop();
      lagGate.stop();
      await consumerStopped;
      guard.stop();
      await adapters.close();
    },
  };
}
