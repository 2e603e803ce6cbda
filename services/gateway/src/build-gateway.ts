import { createLogger, type GatewayEnv, type Service } from '@ingest/config';
import { parseCidrs } from '@ingest/net-guard';
import {
  ApiKeyRepository,
  DatasetRepository,
  SecretBox,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
} from '@ingest/postgres';
import { RedisRateLimiter, WebhookQueue } from '@ingest/redis';
import { createServiceAdapters } from '@ingest/runtime';
import { createApp } from './app';
import { HttpService } from './gateway-service';
import { JobIntake } from './job-intake';

export interface Gateway extends Service {
  /** Resolves once listening, with the bound port (useful with GATEWAY_PORT=0). */
  start(): Promise<{ port: number }>;
}

/** Builds the gateway and its adapters from parsed configuration. */
export function buildGateway(
  env: GatewayEnv,
  logger = createLogger('gateway', env.LOG_LEVEL),
): Gateway {
  const adapters = createServiceAdapters(
    env,
    { service: 'gateway', poolSize: 10, maxObjectBytes: env.GATEWAY_MAX_UPLOAD_BYTES },
    logger,
  );
  const { pool, store, state, amqp, publisher, lifecycle } = adapters;
  const intake = new JobIntake(lifecycle, store, publisher, logger);
  const keys = new ApiKeyRepository(pool);
  const limiter = new RedisRateLimiter(state.redis, `${env.QUEUE_PREFIX}ingest:`);
  // Producer only (manual redelivery); fails fast so a Redis outage answers 503.
  const webhookQueue = new WebhookQueue({
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    failFast: true,
  });
  const app = createApp({
    intake,
    lifecycle,
    store,
    keys,
    limiter,
    access: {
      maxRequestsPerMinute: env.GATEWAY_RATE_LIMIT_PER_MINUTE,
      maxConcurrentUploads: env.GATEWAY_MAX_CONCURRENT_UPLOADS,
      maxUploadBytes: env.GATEWAY_MAX_UPLOAD_BYTES,
    },
    pace: {
      minBytesPerSecond: env.GATEWAY_MIN_UPLOAD_BYTES_PER_SEC,
      windowMs: env.GATEWAY_SLOW_UPLOAD_WINDOW_MS,
    },
    logger,
    minChunkBytes: env.GATEWAY_MIN_CHUNK_BYTES,
    segmentBytes: env.GATEWAY_SEGMENT_BYTES,
    webhookAllow: parseCidrs(env.WEBHOOK_ALLOWED_CIDRS),
    webhookEndpoints: new WebhookEndpointRepository(
      pool,
      SecretBox.fromBase64(env.WEBHOOK_ENCRYPTION_KEY),
    ),
    webhookDeliveries: new WebhookDeliveryRepository(pool),
    webhookQueue,
    datasets: new DatasetRepository(pool),
    pool,
    readiness: {
      postgres: async () => void (await pool.query('SELECT 1')),
      redis: () => state.ping(),
      rabbitmq: () => amqp.ping(),
      storage: () => store.ping(),
    },
  });
  const http = new HttpService(app, {
    host: env.GATEWAY_HOST,
    port: env.GATEWAY_PORT,
    idleTimeoutMs: env.GATEWAY_IDLE_TIMEOUT_MS,
  });

  return {
    logger,
    async start() {
      await adapters.migrate();
      // Storage may come up after us; uploads report 503 until it does.
      await store.ensureBucket().catch((e: unknown) => {
        logger.warn({ err: e }, 'object storage not reachable at start');
      });
      const address = await http.start();
      logger.info({ port: address.port }, 'gateway listening');
      return { port: address.port };
    },
    async stop() {
      await http.stop();
      await webhookQueue.close();
      await adapters.close();
    },
  };
}
