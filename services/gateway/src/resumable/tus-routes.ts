import type { UploadLeases } from '@ingest/access';
import { errors } from '@ingest/errors';
import type { JobLifecycle } from '@ingest/jobs';
import type { Server as TusServer } from '@tus/server';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { sendNodeResponse } from 'srvx/node';
import { callerOf } from '../http/authenticate';
import { sendContinue } from '../http/expect-continue';
import { UUID } from '../http/id-patterns';
import { holdUploadSlot } from '../http/upload-slot';
import type { Uploader } from '../upload/uploader';
import { creationContext } from './creation-context';
import { parseCreationRequest } from './creation-request';
import { holdSegmentMemory, type SegmentMemory } from './segment-memory';
import { uncopiedBodyRequest } from './uncopied-body-request';

export const UPLOADS_PATH = '/v1/uploads';

/** `TusServer.handle`, with a body stream that does not copy every byte (uncopied-body-request). */
async function handleTus(tus: TusServer, req: Request, res: Response): Promise<void> {
  await sendNodeResponse(res, await tus.handleWeb(uncopiedBodyRequest(req, res)));
}

export interface TusRoutesDeps {
  tus: TusServer;
  lifecycle: JobLifecycle;
  uploader: Uploader;
  leases: UploadLeases;
  /** The gateway's tus segment buffers (GATEWAY_TUS_BUFFER_BYTES), shared by every request. */
  segmentMemory: SegmentMemory;
  minChunkBytes: number;
  maxChunkBytes: number;
}

/** tus discovery (OPTIONS) needs no key: it says only what the server supports. */
export function tusDiscoveryRoutes(tus: TusServer): Router {
  const router = Router();
  router.options([UPLOADS_PATH, `${UPLOADS_PATH}/:id`], async (req: Request, res: Response) => {
    await handleTus(tus, req, res);
  });
  return router;
}

/**
 * tus 1.0 at /v1/uploads (core, creation, creation-with-upload, termination,
 * expiration). The route checks what the API checks everywhere — the key, the
 * options in Upload-Metadata, the tenant owning the upload, a free upload slot,
 * room in the gateway's segment memory — then hands the request to @tus/server.
 */
export function tusRoutes(deps: TusRoutesDeps): Router {
  const router = Router();
  const limits = { minChunkBytes: deps.minChunkBytes, maxChunkBytes: deps.maxChunkBytes };

  /**
   * Holds an upload slot (until the response closes) and a segment of memory for a request
   * that carries bytes; gives the segment back once the request's handling has ended.
   */
  const withBodyHeld = async (req: Request, res: Response, handle: () => Promise<void>) => {
    if (req.get('Content-Type') !== 'application/offset+octet-stream') return handle();
    const caller = callerOf(res);
    await holdUploadSlot(deps.leases, caller.keyId, caller.limits.maxConcurrentUploads, res);
    const release = holdSegmentMemory(deps.segmentMemory);
    try {
      await handle();
    } finally {
      release();
    }
  };

  router.post(UPLOADS_PATH, async (req: Request, res: Response) => {
    const caller = callerOf(res);
    const creation = parseCreationRequest(req, caller, limits);
    const options = await deps.uploader.resolveOptions(
      creation.request,
      creation.schema,
      creation.fileName,
    );
    const context = { jobId: randomUUID(), options, metadata: creation.metadata, res };
    await withBodyHeld(req, res, async () => {
      sendContinue(req, res);
      await creationContext.run(context, () => handleTus(deps.tus, req, res));
    });
  });

  /** The upload must be the caller's tenant's: another tenant's is not found. */
  const ownUpload: RequestHandler = async (req, res, next) => {
    const id = String(req.params.id);
    const upload = UUID.test(id) ? await deps.lifecycle.uploads.get(id) : null;
    if (!upload || upload.tenant !== callerOf(res).tenant) throw errors.uploadNotFound(id);
    next();
  };
  const handle = async (req: Request, res: Response) => {
    await handleTus(deps.tus, req, res);
  };
  const path = `${UPLOADS_PATH}/:id`;
  router.head(path, ownUpload, handle);
  router.delete(path, ownUpload, handle);
  router.patch(path, ownUpload, async (req: Request, res: Response) => {
    await withBodyHeld(req, res, async () => {
      sendContinue(req, res);
      await handleTus(deps.tus, req, res);
    });
  });
  return router;
}
