import express, { type Express } from 'express';
import type { Cidr } from '@ingest/net-guard';
import type { Logger } from '@ingest/config';
import type { ObjectStore } from '@ingest/domain';
import { errorMiddleware, notFoundHandler } from './http/error-middleware';
import type { JobIntake } from './job-intake';
import { healthRoutes, type ReadinessCheck } from './routes/health-routes';
import { jobsRoutes } from './routes/jobs-routes';
import { jobStatusRoutes } from './routes/job-status-routes';
import type { JobLifecycle } from '@ingest/job-lifecycle';

export interface AppDeps {
  intake: JobIntake;
  lifecycle: JobLifecycle;
  store: ObjectStore;
  logger: Logger;
  maxUploadBytes: number;
  minChunkBytes: number;
  webhookAllow: readonly Cidr[];
  readiness: Record<string, ReadinessCheck>;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(healthRoutes(deps.readiness));
  app.use(jobsRoutes(deps));
  app.use(jobStatusRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger, deps.maxUploadBytes));
  return app;
}
