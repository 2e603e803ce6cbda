import { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { errors } from '@ingest/errors';
import { assertWebhookUrl, type Cidr } from '@ingest/net-guard';
import type { ObjectStore } from '@ingest/object-store';
import type { RedisRateLimiter } from '@ingest/redis';
import { randomUUID } from 'node:crypto';
import { callerOf } from '../http/authenticate';
import { uploadSlot } from '../http/upload-slot';
import type { IntakeResult, JobIntake } from '../job-intake';
import { removeUpload, storeMeteredUpload, type MinimumPace } from '../upload/metered-upload';
import {
  ObjectStoreStorageEngine,
  declaredLength,
  type StoredFileInfo,
} from '../upload/object-store-storage-engine';
import { parseTableSchema } from '@ingest/normalize';
import type { DatasetRepository } from '@ingest/postgres';
import { parseJobOptions, type JobSchema } from './job-options';

export interface JobsRoutesDeps {
  intake: JobIntake;
  store: ObjectStore;
  limiter: RedisRateLimiter;
  minChunkBytes: number;
  /** Non-public callback addresses the operator allows (WEBHOOK_ALLOWED_CIDRS). */
  webhookAllow: readonly Cidr[];
  /** Slowest acceptable upload body. */
  pace: MinimumPace;
  datasets: DatasetRepository;
  /** Raw uploads of declared length are stored as segments of this size (0: one object). */
  segmentBytes: number;
}

/** The schema found so far for this request: a dataset (preflight) or the `schema` field. */
const schemaOf = (res: Response): JobSchema | null =>
  (res.locals.jobSchema as JobSchema | undefined) ?? null;

/**
 * The `schema` form field, validated as soon as the file part starts (fields
 * sent before it are in `req.body` by then): a bad schema is a 400
 * SCHEMA_INVALID naming its path, and nothing is stored.
 */
function takeSchemaField(req: Request, res: Response): void {
  const body = req.body as Record<string, unknown> | undefined;
  const raw = body?.schema;
  if (raw === undefined || res.locals.schemaField === true) return;
  if (res.locals.jobSchema !== undefined) {
    throw errors.validation('send either a schema field or ?dataset=, not both');
  }
  res.locals.jobSchema = { schema: parseTableSchema(raw), source: 'declared' } satisfies JobSchema;
  res.locals.schemaField = true;
}

const sendAccepted = (res: Response, result: IntakeResult) => {
  if (result.deduplicated === true) res.set('Content-Deduplicated', 'true');
  res
    .status(result.created ? 202 : 200)
    .location(`/v1/jobs/${result.job.id}`)
    .json({
      ...result.job,
      ...(result.deduplicated === true ? { deduplicated: true } : {}),
      links: { self: `/v1/jobs/${result.job.id}` },
    });
};

/** Explicit multipart limits: one file part, a few small fields, bounded part headers. */
const multipartFor = (deps: JobsRoutesDeps, maxUploadBytes: number) =>
  multer({
    storage: new ObjectStoreStorageEngine(deps.store, maxUploadBytes, deps.pace, (req) =>
      takeSchemaField(req, req.res as Response),
    ),
    limits: {
      fileSize: maxUploadBytes,
      files: 1,
      fields: 16,
      fieldSize: 64 * 1024,
      fieldNameSize: 100,
      parts: 20,
      headerPairs: 100,
    },
  }).single('file');

export function jobsRoutes(deps: JobsRoutesDeps): Router {
  const router = Router();
  const limits = { minChunkBytes: deps.minChunkBytes };

  /**
   * Validates the query before any byte of the body is read: a bad option or a
   * forbidden callback URL is refused without storing anything.
   */
  const preflight = async (req: Request, res: Response, next: NextFunction) => {
    const options = parseJobOptions(req, null, callerOf(res).tenant, limits);
    if (options.webhookUrl)
      await assertWebhookUrl(options.webhookUrl, { allow: deps.webhookAllow });
    if (options.dataset !== null) {
      const dataset = await deps.datasets.get(options.tenant, options.dataset);
      if (!dataset) throw errors.datasetNotFound(options.dataset);
      res.locals.jobSchema = {
        schema: parseTableSchema(dataset.schema),
        source: 'dataset',
      } satisfies JobSchema;
    }
    next();
  };

  /**
   * An Idempotency-Key seen before — or, with dedupe=content, a declared
   * Content-Digest of content already loaded into the table — answers with
   * the earlier job without reading the body.
   */
  const replayIdempotent = async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('Idempotency-Key') ?? null;
    const existing = await deps.intake.findReplay(callerOf(res).tenant, key);
    if (existing) {
      res.set('Connection', 'close').set('Idempotent-Replayed', 'true');
      return sendAccepted(res, { job: existing, created: false });
    }
    // Multipart uploads may name their table only in the file part: their check comes later.
    if (req.query.table === undefined) return next();
    const same = await deps.intake.findSameContent(
      parseJobOptions(req, null, callerOf(res).tenant, limits, schemaOf(res)),
    );
    if (!same) return next();
    res.set('Connection', 'close');
    sendAccepted(res, { job: same, created: false, deduplicated: true });
  };

  /** The caller's own upload limit (a key may lower the deployment's). */
  const multipart = (req: Request, res: Response, next: NextFunction) =>
    multipartFor(deps, callerOf(res).limits.maxUploadBytes)(req, res, next);

  const slot = uploadSlot(deps.limiter);

  router.post(
    '/v1/jobs',
    preflight,
    replayIdempotent,
    slot,
    multipart,
    async (req: Request, res: Response) => {
      const file = req.file as (Express.Multer.File & StoredFileInfo) | undefined;
      if (!file) throw errors.missingFile();
      let options;
      try {
        // A schema field sent after the file part is only seen now.
        takeSchemaField(req, res);
        options = parseJobOptions(
          req,
          file.originalname || null,
          callerOf(res).tenant,
          limits,
          schemaOf(res),
        );
      } catch (e) {
        await removeUpload(deps.store, file).catch(() => undefined);
        throw e;
      }
      sendAccepted(res, await deps.intake.accept(file, options));
    },
  );

  router.put(
    '/v1/jobs/raw',
    preflight,
    replayIdempotent,
    slot,
    async (req: Request, res: Response) => {
      const caller = callerOf(res);
      const options = parseJobOptions(req, null, caller.tenant, limits, schemaOf(res));
      const maxBytes = caller.limits.maxUploadBytes;
      const declared = declaredLength(req);
      if (declared !== undefined && declared > maxBytes) throw errors.uploadTooLarge(maxBytes);
      const stored = await storeMeteredUpload(
        deps.store,
        `uploads/${randomUUID()}`,
        req,
        maxBytes,
        {
          expectedBytes: declared,
          exactBytes: declared,
          segmentBytes: deps.segmentBytes,
          pace: deps.pace,
        },
      );
      sendAccepted(res, await deps.intake.accept(stored, options));
    },
  );

  return router;
}
