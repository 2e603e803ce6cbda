import type { ApiKeyRepository, RequestRateLimiter, UploadLeases } from '@ingest/access';
import type { Logger } from '@ingest/config';
import type { JobLifecycle } from '@ingest/jobs';
import type { ObjectStore } from '@ingest/object-store';
import type { Cidr } from '@ingest/net-guard';
import type { DatasetRepository } from '@ingest/datasets';
import type { WebhookDeliveryRepository, WebhookEndpointRepository } from '@ingest/webhooks';
import type { IngestMetrics } from '@ingest/metrics';
import express, { type Express } from 'express';
import { authenticate, type AccessDefaults } from './http/authenticate';
import { dashboardFiles } from './http/dashboard-files';
import { errorMiddleware, notFoundHandler } from './http/error-middleware';
import { methodNotAllowed } from './http/method-not-allowed';
import { observeRequests } from './http/request-log';
import type { JobIntake } from './job-intake';
import { datasetRoutes } from './routes/dataset-routes';
import { docsRoutes } from './routes/docs-routes';
import { healthRoutes, type ReadinessCheck } from './routes/health-routes';
import { jobStatusRoutes } from './routes/job-status-routes';
import { jobsRoutes } from './routes/jobs-routes';
import { rejectRoutes } from './routes/reject-routes';
import { webhookRoutes } from './routes/webhook-routes';
import type { Uploader } from './upload/uploader';
import type { Server as TusServer } from '@tus/server';
import type { SegmentMemory } from './resumable/segment-memory';
import { tusDiscoveryRoutes, tusRoutes } from './resumable/tus-routes';

export interface AppDeps {
  intake: JobIntake;
  uploader: Uploader;
  /** tus 1.0 at /v1/uploads. */
  tus: TusServer;
  /** The tus segment buffers every request shares (GATEWAY_TUS_BUFFER_BYTES). */
  segmentMemory: SegmentMemory;
  leases: UploadLeases;
  lifecycle: JobLifecycle;
  /** Where uploads are stored: a deleted job's objects are removed from it. */
  store: ObjectStore;
  keys: ApiKeyRepository;
  rate: RequestRateLimiter;
  access: AccessDefaults;
  logger: Logger;
  minChunkBytes: number;
  maxChunkBytes: number;
  webhookAllow: readonly Cidr[];
  webhookEndpoints: WebhookEndpointRepository;
  webhookDeliveries: WebhookDeliveryRepository;
  webhookQueue: { redeliver(deliveryId: string): Promise<void> };
  readiness: Record<string, ReadinessCheck>;
  datasets: DatasetRepository;
  /** The web dashboard's build, served at `/`; null serves none. */
  dashboardDir: string | null;
  metrics: IngestMetrics;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(observeRequests(deps.logger, deps.metrics));
  app.use(healthRoutes(deps.readiness));
  // The dashboard's files are public (the page asks for a key); the API below is not.
  if (deps.dashboardDir !== null) app.use(dashboardFiles(deps.dashboardDir));
  app.use(tusDiscoveryRoutes(deps.tus));
  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await deps.metrics.exposition();
    res.type(contentType).send(body);
  });
  app.use(docsRoutes());
  // Everything below belongs to a tenant: no key, no access.
  app.use('/v1', authenticate(deps.keys, deps.rate, deps.access));
  app.use(jobsRoutes(deps));
  app.use(tusRoutes(deps));
  app.use(jobStatusRoutes(deps));
  app.use(rejectRoutes(deps));
  app.use(datasetRoutes(deps));
  app.use(webhookRoutes(deps));
  app.use(methodNotAllowed(app.router));
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger, deps.access.maxUploadBytes));
  return app;
}
