import { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { errors } from '@ingest/errors';
import { assertWebhookUrl, type Cidr } from '@ingest/net-guard';
import type { ObjectStore } from '@ingest/domain';
import { randomUUID } from 'node:crypto';
import type { IntakeResult, JobIntake } from '../job-intake';
import { storeMeteredUpload } from '../upload/metered-upload';
import {
  ObjectStoreStorageEngine,
  type StoredFileInfo,
} from '../upload/object-store-storage-engine';
import { parseJobOptions } from './job-options';

export interface JobsRoutesDeps {
  intake: JobIntake;
  store: ObjectStore;
  maxUploadBytes: number;
  minChunkBytes: number;
  /** Non-public callback addresses the operator allows (WEBHOOK_ALLOWED_CIDRS). */
  webhookAllow: readonly Cidr[];
}

const sendAccepted = (res: Response, result: IntakeResult) => {
  res
    .status(result.created ? 202 : 200)
    .location(`/v1/jobs/${result.job.id}`)
    .json({ ...result.job, links: { self: `/v1/jobs/${result.job.id}` } });
};

export function jobsRoutes(deps: JobsRoutesDeps): Router {
  const router = Router();
  const limits = { minChunkBytes: deps.minChunkBytes };
  const upload = multer({
    storage: new ObjectStoreStorageEngine(deps.store, deps.maxUploadBytes),
    // Explicit limits: one file part, a few small fields, bounded headers.
    limits: {
      fileSize: deps.maxUploadBytes,
      files: 1,
      fields: 16,
      fieldSize: 64 * 1024,
      fieldNameSize: 100,
      parts: 20,
      headerPairs: 100,
    },
  }).single('file');

  /**
   * Validates the query before any byte of the body is read: a bad option or a
   * forbidden callback URL is refused without storing anything.
   */
  const preflight = async (req: Request, res: Response, next: NextFunction) => {
    const options = parseJobOptions(req, null, limits);
    if (options.webhookUrl)
      await assertWebhookUrl(options.webhookUrl, { allow: deps.webhookAllow });
    next();
  };

  /** An Idempotency-Key seen before answers with the earlier job without reading the body. */
  const replayIdempotent = async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('Idempotency-Key') ?? null;
    const existing = await deps.intake.findReplay('default', key);
    if (!existing) return next();
    res.set('Connection', 'close').set('Idempotent-Replayed', 'true');
    sendAccepted(res, { job: existing, created: false });
  };

  router.post(
    '/v1/jobs',
    preflight,
    replayIdempotent,
    upload,
    async (req: Request, res: Response) => {
      const file = req.file as (Express.Multer.File & StoredFileInfo) | undefined;
      if (!file) throw errors.missingFile();
      let options;
      try {
        options = parseJobOptions(req, file.originalname || null, limits);
      } catch (e) {
        await deps.store.remove(file.objectKey).catch(() => undefined);
        throw e;
      }
      sendAccepted(res, await deps.intake.accept(file, options));
    },
  );

  router.put('/v1/jobs/raw', preflight, replayIdempotent, async (req: Request, res: Response) => {
    const options = parseJobOptions(req, null, limits);
    const declared = Number(req.get('Content-Length') ?? NaN);
    if (declared > deps.maxUploadBytes) {
      res.set('Connection', 'close');
      throw errors.uploadTooLarge(deps.maxUploadBytes);
    }
    const stored = await storeMeteredUpload(
      deps.store,
      `uploads/${randomUUID()}`,
      req,
      deps.maxUploadBytes,
      {},
    );
    sendAccepted(res, await deps.intake.accept(stored, options));
  });

  return router;
}
