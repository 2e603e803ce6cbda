import {
  effectiveLimits,
  type AccessDefaults,
  type ApiKeyRepository,
  type EffectiveLimits,
  type RequestRateLimiter,
} from '@ingest/access';
import { errors } from '@ingest/errors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export type { AccessDefaults } from '@ingest/access';

/** Who is calling: the tenant every job, reject and webhook of the request belongs to. */
export interface Caller {
  tenant: string;
  keyId: string;
  limits: EffectiveLimits;
}

/**
 * `Authorization: Bearer <key>` → the caller; then the key's request rate is
 * counted and told in `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds; IETF RateLimit header fields draft) on every answer.
 */
export function authenticate(
  keys: ApiKeyRepository,
  rate: RequestRateLimiter,
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
      limits: effectiveLimits(info.limits, defaults),
    };
    const window = await rate.take(caller.keyId, caller.limits.maxRequestsPerMinute);
    res.set({
      'RateLimit-Limit': String(window.limit),
      'RateLimit-Remaining': String(window.remaining),
      'RateLimit-Reset': String(window.resetSeconds),
    });
    if (window.retryAfterSeconds > 0) {
      throw errors.rateLimited(window.limit, window.retryAfterSeconds);
    }
    res.locals.caller = caller;
    next();
  };
}

export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw errors.unauthenticated();
  return caller;
}
