import { errors } from '@ingest/errors';
import type { RedisRateLimiter } from '@ingest/redis';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { callerOf } from './authenticate';

/** Slots are leased and renewed while the upload runs, so a crashed gateway frees them. */
const LEASE_MS = 60_000;

/** Holds one of the caller's concurrent-upload slots for the life of the request. */
export function uploadSlot(limiter: RedisRateLimiter): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const caller = callerOf(res);
    const uploadId = randomUUID();
    const limit = caller.limits.maxConcurrentUploads;
    if (!(await limiter.acquireUpload(caller.keyId, uploadId, limit, LEASE_MS))) {
      throw errors.tooManyUploads(limit);
    }
    const renew = setInterval(() => {
      limiter.renewUpload(caller.keyId, uploadId, LEASE_MS).catch(() => undefined);
    }, LEASE_MS / 3);
    res.once('close', () => {
      clearInterval(renew);
      limiter.releaseUpload(caller.keyId, uploadId).catch(() => undefined);
    });
    next();
  };
}
