import type { Logger } from '@ingest/config';
import type { IngestMetrics } from '@ingest/metrics';
import type { RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { API_OPERATIONS } from '../openapi/api-operations';
import type { Caller } from './authenticate';

/** What a client may send as X-Request-Id; anything else is replaced by a fresh one. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Operation templates as patterns, most specific (longest literal) first, for the route label. */
const TEMPLATES = API_OPERATIONS.map((op) => op.path)
  .concat(['/metrics', '/openapi.json', '/docs'])
  .filter((p, i, all) => all.indexOf(p) === i)
  .sort((a, b) => b.replace(/\{\w+\}/g, '').length - a.replace(/\{\w+\}/g, '').length)
  .map((path) => ({
    path,
    pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}/?$`),
  }));

/** The documented path a request took (bounded label values), or `other`. */
export const routeOf = (path: string): string =>
  TEMPLATES.find((t) => t.pattern.test(path))?.path ??
  (path.startsWith('/docs/') ? '/docs' : 'other');

const JOB_IN_PATH = /^\/v1\/jobs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;

/** The request id of this request (set by `observeRequests`). */
export const requestIdOf = (res: Response): string =>
  typeof res.locals.requestId === 'string' ? res.locals.requestId : '';

/** Names the job a request created or touched, for its log line (uploads learn it late). */
export const noteJob = (res: Response, jobId: string): void => {
  res.locals.jobId = jobId;
};

/**
 * First middleware of the app: takes the client's `X-Request-Id` (or makes one), echoes it,
 * and when the answer is sent (or the client goes) writes one JSON log line and counts the
 * request in the metrics.
 */
export function observeRequests(logger: Logger, metrics: IngestMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const given = req.get('X-Request-Id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.set('X-Request-Id', requestId);
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req.path);
      // 499 (nginx's convention): the client went before an answer was sent.
      const status = res.writableFinished || res.headersSent ? res.statusCode : 499;
      const caller = res.locals.caller as Caller | undefined;
      const jobId = (res.locals.jobId as string | undefined) ?? JOB_IN_PATH.exec(req.path)?.[1];
      metrics.httpRequests.inc({ method: req.method, route, status: String(status) });
      metrics.httpRequestSeconds.observe({ method: req.method, route }, seconds);
      logger.info(
        {
          requestId,
          method: req.method,
          path: req.path,
          route,
          status,
          durationMs: Math.round(seconds * 1e4) / 10,
          bytesIn: Number(req.get('Content-Length')) || undefined,
          tenant: caller?.tenant,
          jobId,
        },
        'request',
      );
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
