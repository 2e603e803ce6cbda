import express, { type Express } from 'express';
import type { Logger } from '@ingest/config';
import type { ObjectStore } from '@ingest/object-store';
import type { JobLifecycle } from '@ingest/jobs';
import type { Cidr } from '@ingest/net-guard';
import type {
  ApiKeyRepository,
  DatasetRepository,
  Pool,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
} from '@ingest/postgres';
import type { RedisRateLimiter } from '@ingest/redis';
import { authenticate, type AccessDefaults } from './http/authenticate';
import { errorMiddleware, notFoundHandler } from './http/error-middleware';
import type { JobIntake } from './job-intake';
import { healthRoutes, type ReadinessCheck } from './routes/health-routes';
import { jobStatusRoutes } from './routes/job-status-routes';
import { jobsRoutes } from './routes/jobs-routes';
import { datasetRoutes } from './routes/dataset-routes';
import { rejectRoutes } from './routes/reject-routes';
import { webhookRoutes } from './routes/webhook-routes';
import type { MinimumPace } from './upload/metered-upload';

export interface AppDeps {
  intake: JobIntake;
  lifecycle: JobLifecycle;
  store: ObjectStore;
  keys: ApiKeyRepository;
  limiter: RedisRateLimiter;
  access: AccessDefaults;
  pace: MinimumPace;
  logger: Logger;
  minChunkBytes: number;
  segmentBytes: number;
  webhookAllow: readonly Cidr[];
  webhookEndpoints: WebhookEndpointRepository;
  webhookDeliveries: WebhookDeliveryRepository;
  webhookQueue: { redeliver(deliveryId: string): Promise<void> };
  readiness: Record<string, ReadinessCheck>;
  datasets: DatasetRepository;
  pool: Pool;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(healthRoutes(deps.readiness));
  // Everything below belongs to a tenant: no key, no access.
  app.use('/v1', authenticate(deps.keys, deps.limiter, deps.access));
  app.use(jobsRoutes(deps));
  app.use(jobStatusRoutes(deps));
  app.use(rejectRoutes(deps));
  app.use(datasetRoutes(deps));
  app.use(webhookRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger, deps.access.maxUploadBytes));
  return app;
}
