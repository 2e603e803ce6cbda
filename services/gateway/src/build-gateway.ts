import { ApiKeyRepository, RequestRateLimiter, TenantSchemas, UploadLeases } from '@ingest/access';
import { createLogger, type GatewayEnv, type Service } from '@ingest/config';
import { UploadRegistry, UploadTracker } from '@ingest/housekeeping';
import { parseCidrs } from '@ingest/net-guard';
import { DatasetRepository } from '@ingest/datasets';
import { IngestMetrics } from '@ingest/metrics';
import { createServiceAdapters } from '@ingest/runtime';
import {
  SecretBox,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
  WebhookQueue,
} from '@ingest/webhooks';
import { createApp } from './app';
import { HttpService } from './gateway-service';
import { JobIntake } from './job-intake';
import { defaultDashboardDir, isDashboardBuild } from './http/dashboard-files';
import { Uploader } from './upload/uploader';
import { SegmentMemory } from './resumable/segment-memory';
import { createTusServer } from './resumable/tus-server';
import { hostname } from 'node:os';

export interface Gateway extends Service {
  /** Resolves once listening, with the bound port (useful with GATEWAY_PORT=0). */
  start(): Promise<{ port: number }>;
}

/** Builds the gateway and its adapters from parsed configuration. */
export function buildGateway(
  env: GatewayEnv,
  logger = createLogger('gateway', env.LOG_LEVEL),
): Gateway {
  const metrics = new IngestMetrics('gateway');
  const adapters = createServiceAdapters(
    env,
    { service: 'gateway', poolSize: 10, maxObjectBytes: env.GATEWAY_MAX_UPLOAD_BYTES, metrics },
    logger,
  );
  const { pool, store, state, amqp, publisher, lifecycle } = adapters;
  const tenantSchemas = new TenantSchemas(pool);
  const intake = new JobIntake(lifecycle, publisher, logger, tenantSchemas, env.STORAGE_RETENTION);
  const datasets = new DatasetRepository(pool);
  const webhookAllow = parseCidrs(env.WEBHOOK_ALLOWED_CIDRS);
  // Per-key limits share the hot-state connection; their keys live beside the jobs'.
  const accessPrefix = `${env.QUEUE_PREFIX}ingest:`;
  const leases = new UploadLeases(state.redis, accessPrefix);
  const uploader = new Uploader({
    intake,
    store,
    datasets,
    leases,
    webhookAllow,
    pace: {
      minBytesPerSecond: env.GATEWAY_MIN_UPLOAD_BYTES_PER_SEC,
      windowMs: env.GATEWAY_SLOW_UPLOAD_WINDOW_MS,
    },
    segmentBytes: env.GATEWAY_SEGMENT_BYTES,
    tracker: new UploadTracker(new UploadRegistry(pool), {
      writer: `gateway ${hostname()} ${process.pid}`,
      leaseMs: env.STORAGE_UPLOAD_LEASE,
      logger,
    }),
  });
  // Producer only (manual redelivery); fails fast so a Redis outage answers 503.
  const webhookQueue = new WebhookQueue({
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    failFast: true,
  });
  const dashboardDir = env.GATEWAY_DASHBOARD_DIR || defaultDashboardDir();
  const dashboard = isDashboardBuild(dashboardDir) ? dashboardDir : null;
  if (dashboard === null) {
    logger.warn({ dir: dashboardDir }, 'no dashboard build to serve at / (npm run build makes it)');
  }
  const segmentMemory = new SegmentMemory(
    env.GATEWAY_TUS_BUFFER_BYTES,
    env.GATEWAY_TUS_SEGMENT_BYTES,
    metrics.tusBufferBytes,
  );
  const tus = createTusServer({
    lifecycle,
    schemas: tenantSchemas,
    store,
    publisher,
    logger,
    segmentBytes: env.GATEWAY_TUS_SEGMENT_BYTES,
    segmentMemory,
    expiryMs: env.GATEWAY_TUS_EXPIRY,
    objectRetentionMs: env.STORAGE_RETENTION,
    maxUploadBytes: env.GATEWAY_MAX_UPLOAD_BYTES,
  });
  const app = createApp({
    intake,
    uploader,
    tus,
    segmentMemory,
    leases,
    lifecycle,
    store,
    keys: new ApiKeyRepository(pool),
    rate: new RequestRateLimiter(state.redis, accessPrefix),
    access: {
      maxRequestsPerMinute: env.GATEWAY_RATE_LIMIT_PER_MINUTE,
      maxConcurrentUploads: env.GATEWAY_MAX_CONCURRENT_UPLOADS,
      maxUploadBytes: env.GATEWAY_MAX_UPLOAD_BYTES,
    },
    logger,
    minChunkBytes: env.GATEWAY_MIN_CHUNK_BYTES,
    maxChunkBytes: env.GATEWAY_MAX_CHUNK_BYTES,
    webhookAllow,
    webhookEndpoints: new WebhookEndpointRepository(
      pool,
      SecretBox.fromBase64(env.WEBHOOK_ENCRYPTION_KEY),
    ),
    webhookDeliveries: new WebhookDeliveryRepository(pool),
    webhookQueue,
    datasets,
    dashboardDir: dashboard,
    metrics,
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
      await store.prepare().catch((e: unknown) => {
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
