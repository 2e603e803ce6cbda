import { errors } from '@ingest/errors';
import type { ApiKeyRepository, KeyLimits } from '@ingest/postgres';
import type { RedisRateLimiter } from '@ingest/redis';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Who is calling: the tenant every job, reject and webhook of the request belongs to. */
export interface Caller {
  tenant: string;
  keyId: string;
  limits: { maxRequestsPerMinute: number; maxConcurrentUploads: number; maxUploadBytes: number };
}

export interface AccessDefaults {
  maxRequestsPerMinute: number;
  maxConcurrentUploads: number;
  maxUploadBytes: number;
}

const effective = (limits: KeyLimits, defaults: AccessDefaults): Caller['limits'] => ({
  maxRequestsPerMinute: limits.maxRequestsPerMinute ?? defaults.maxRequestsPerMinute,
  maxConcurrentUploads: limits.maxConcurrentUploads ?? defaults.maxConcurrentUploads,
  // A key may lower the deployment's upload limit, never raise it.
  maxUploadBytes: Math.min(limits.maxUploadBytes ?? Infinity, defaults.maxUploadBytes),
});

/** `Authorization: Bearer <key>` → the caller; then the key's request rate is counted. */
export function authenticate(
  keys: ApiKeyRepository,
  limiter: RedisRateLimiter,
  defaults: AccessDefaults,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('Authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const info = match?.[1] ? await keys.verify(match[1]) : null;
    if (!info) {
      res.set('WWW-Authenticate', 'Bearer realm="csv-ingest"');
      throw errors.unauthenticated();
    }
    const caller: Caller = {
      tenant: info.tenant,
      keyId: info.id,
      limits: effective(info.limits, defaults),
    };
    const wait = await limiter.hit(caller.keyId, caller.limits.maxRequestsPerMinute);
    if (wait > 0) throw errors.rateLimited(caller.limits.maxRequestsPerMinute, wait);
    res.locals.caller = caller;
    next();
  };
}

export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw errors.unauthenticated();
  return caller;
}
