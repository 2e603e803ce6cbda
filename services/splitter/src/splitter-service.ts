import { createLogger, type SplitterEnv, type Service } from '@ingest/config';
import { QUEUES, jobStoredSchema } from '@ingest/contracts';
import { DeadLetterConsumer, QueueConsumer } from '@ingest/rabbitmq';
import { Sweeper, UploadRegistry, UploadTracker } from '@ingest/housekeeping';
import { IngestMetrics, startMetricsServer, type MetricsServer } from '@ingest/metrics';
import { createServiceAdapters, retryPolicyFor } from '@ingest/runtime';
import type { ObjectStore } from '@ingest/object-store';
import { hostname } from 'node:os';
import { ChunkDispatcher } from './chunk-dispatcher';
import { planJob, type PlanJobDeps } from './plan-job';
import { UploadFollowers } from './upload-followers';

export interface SplitterOptions {
  /** Wraps the store planning reads from (tests: a slow or failing storage). */
  wrapStore?: (store: ObjectStore) => ObjectStore;
}

/**
 * Builds the splitter: consumes stored jobs and records their plans, and
 * dispatches chunk tasks from the recorded plans fairly (ChunkDispatcher);
 * it also settles dead-lettered messages, failing their jobs, and runs the
 * storage and outbox sweeps, since it is the service that owns a job's course
 * as a whole.
 */
export function buildSplitter(
  env: SplitterEnv,
  logger = createLogger('splitter', env.LOG_LEVEL),
  options: SplitterOptions = {},
): Service {
  // Per job being planned one connection, the dispatcher's LISTEN and rounds, the sweeper.
  const metrics = new IngestMetrics('splitter');
  let metricsServer: MetricsServer | undefined;
  const adapters = createServiceAdapters(
    env,
    {
      service: 'splitter',
      // Followed uploads hold one connection each for their plan lock.
      poolSize: env.SPLITTER_CONCURRENCY + env.SPLITTER_FOLLOW_MAX * 2 + 4,
      metrics,
    },
    logger,
  );
  const dispatcher = new ChunkDispatcher(
    { pool: adapters.pool, publisher: adapters.publisher, logger },
    {
      pollMs: env.DISPATCH_POLL_INTERVAL,
      onRound: (round) => metrics.recordDispatchQueue(round.jobs),
      limits: {
        jobWindow: env.DISPATCH_JOB_WINDOW,
        maxInFlight: env.DISPATCH_MAX_IN_FLIGHT,
        tenantMaxInFlight: env.DISPATCH_TENANT_MAX_IN_FLIGHT,
        tenantWeights: env.DISPATCH_TENANT_WEIGHTS,
      },
    },
  );
  const deps: PlanJobDeps = {
    ...adapters,
    store: options.wrapStore ? options.wrapStore(adapters.store) : adapters.store,
    onChunksRecorded: () => dispatcher.wake(),
    logger,
    defaultChunkBytes: env.SPLITTER_CHUNK_BYTES,
    firstChunkBytes: env.SPLITTER_FIRST_CHUNK_BYTES,
    maxRecordBytes: env.INGEST_MAX_RECORD_BYTES,
    maxDecompressedBytes: env.INGEST_MAX_DECOMPRESSED_BYTES,
    derivedSegmentBytes: env.SPLITTER_DERIVED_SEGMENT_BYTES,
    tracker: new UploadTracker(new UploadRegistry(adapters.pool), {
      writer: `splitter ${hostname()} ${process.pid}`,
      leaseMs: env.STORAGE_UPLOAD_LEASE,
      logger,
    }),
  };
  const followers = new UploadFollowers(deps, {
    max: env.SPLITTER_FOLLOW_MAX,
    pollMs: 250,
    idleMs: env.SPLITTER_FOLLOW_IDLE,
  });
  deps.followers = followers;
  const sweeper = env.SWEEPER_ENABLED
    ? new Sweeper(
        { ...adapters, logger },
        {
          intervalMs: env.SWEEPER_INTERVAL,
          orphanIntervalMs: env.SWEEPER_ORPHAN_INTERVAL,
          orphanGraceMs: env.SWEEPER_ORPHAN_GRACE,
          republishAfterMs: env.SWEEPER_REPUBLISH_AFTER,
        },
      )
    : undefined;
  const consumer = new QueueConsumer(adapters.amqp, {
    ...retryPolicyFor(env),
    queue: QUEUES.jobs,
    schema: jobStoredSchema,
    // Several jobs planned at once: a long scan does not hold up the next job.
    prefetch: env.SPLITTER_CONCURRENCY,
    logger,
    handle: (message, delivery) => planJob(deps, message, delivery),
  });
  const deadLetters = new DeadLetterConsumer(adapters.amqp, {
    logger,
    handle: async (message) => {
      logger.warn(
        { queue: message.queue, reason: message.reason, messageId: message.messageId },
        'message dead-lettered',
      );
      await adapters.lifecycle.settleDeadLetter(message);
    },
  });

  return {
    logger,
    async start() {
      await adapters.migrate();
      await dispatcher.start();
      await consumer.start();
      await deadLetters.start();
      sweeper?.start();
      if (env.SPLITTER_METRICS_PORT > 0) {
        metricsServer = await startMetricsServer(metrics, {
          host: env.METRICS_HOST,
          port: env.SPLITTER_METRICS_PORT,
        });
      }
      logger.info({ metricsPort: metricsServer?.port }, 'splitter consuming');
    },
    async stop() {
      await metricsServer?.close();
      await sweeper?.stop();
      await deadLetters.stop();
      await consumer.stop();
      await followers.stop();
      await dispatcher.stop();
      await adapters.close();
    },
  };
}
