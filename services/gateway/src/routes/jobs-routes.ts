import { Router, type Request, type Response } from 'express';
import type { IngestMetrics } from '@ingest/metrics';
import { callerOf } from '../http/authenticate';
import { noteJob, requestIdOf } from '../http/request-log';
import { parseUploadRequest } from '../upload/upload-request';
import type { UploadOutcome, Uploader } from '../upload/uploader';

export interface JobsRoutesDeps {
  metrics: IngestMetrics;
  uploader: Uploader;
  minChunkBytes: number;
  maxChunkBytes: number;
}

const sendOutcome = (res: Response, outcome: UploadOutcome, metrics: IngestMetrics) => {
  const { job, created, deduplicated } = outcome;
  noteJob(res, job.id);
  if (created) metrics.uploadedBytes.inc(job.bytes);
  // The body was never read: closing is cheaper than draining it.
  if (outcome.bodyUnread === true) res.set('Connection', 'close');
  if (outcome.replayed === true) res.set('Idempotent-Replayed', 'true');
  if (deduplicated === true) res.set('Content-Deduplicated', 'true');
  res
    .status(created ? 202 : 200)
    .location(`/v1/jobs/${job.id}`)
    .json({
      ...job,
      ...(deduplicated === true ? { deduplicated: true } : {}),
      links: { self: `/v1/jobs/${job.id}` },
    });
};

/** Uploads: each route parses its request once and hands it to the uploader. */
export function jobsRoutes(deps: JobsRoutesDeps): Router {
  const router = Router();
  const limits = { minChunkBytes: deps.minChunkBytes, maxChunkBytes: deps.maxChunkBytes };
  const parse = (req: Request, res: Response) => ({
    ...parseUploadRequest(req, callerOf(res), limits),
    requestId: requestIdOf(res),
  });

  router.post('/v1/jobs', async (req: Request, res: Response) => {
    const request = parse(req, res);
    sendOutcome(res, await deps.uploader.acceptMultipart(req, res, request), deps.metrics);
  });

  router.put('/v1/jobs/raw', async (req: Request, res: Response) => {
    const request = parse(req, res);
    sendOutcome(res, await deps.uploader.acceptRaw(req, res, request), deps.metrics);
  });

  return router;
}
