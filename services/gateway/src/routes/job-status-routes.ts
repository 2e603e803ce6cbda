import { isTerminal, JOB_STATUSES, type JobView } from '@ingest/contracts';
import { errors } from '@ingest/errors';
import { removeJob } from '@ingest/housekeeping';
import type { JobLifecycle } from '@ingest/jobs';
import type { Logger } from '@ingest/config';
import type { ObjectStore } from '@ingest/object-store';
import { Router, type Request, type Response } from 'express';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JobIntake } from '../job-intake';
import { callerOf } from '../http/authenticate';
import { UUID } from '../http/id-patterns';
import { parseQuery } from '../http/parse-input';
import { decodeCursor, encodeCursor } from './job-cursor';

export interface JobStatusRoutesDeps {
  intake: JobIntake;
  lifecycle: JobLifecycle;
  store: ObjectStore;
  logger: Logger;
  /** Interval between progress checks of an event stream. Default 500 ms. */
  eventIntervalMs?: number;
}

const jobId = (req: Request): string => {
  const id = String(req.params.id);
  if (!UUID.test(id)) throw errors.jobNotFound(id);
  return id;
};

const etagOf = (view: JobView): string =>
  `W/"${createHash('sha1').update(JSON.stringify(view)).digest('base64url')}"`;

export const jobListQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

/** Reading, cancelling and deleting jobs: polling with ETags, listing, server-sent progress events. */
export function jobStatusRoutes(deps: JobStatusRoutesDeps): Router {
  const router = Router();

  router.get('/v1/jobs', async (req: Request, res: Response) => {
    const { status, limit, cursor } = parseQuery(jobListQuery, req.query);
    const { tenant } = callerOf(res);
    const records = await deps.lifecycle.list(tenant, {
      status,
      limit: limit + 1,
      after: cursor === undefined ? undefined : decodeCursor(cursor),
    });
    const page = records.slice(0, limit);
    const last = page[page.length - 1];
    const jobs = await Promise.all(page.map((r) => deps.intake.view(r.id, tenant)));
    res.json({
      jobs,
      next_cursor: records.length > limit && last ? encodeCursor(last.created_at, last.id) : null,
    });
  });

  router.get('/v1/jobs/:id', async (req: Request, res: Response) => {
    const view = await deps.intake.view(jobId(req), callerOf(res).tenant);
    const etag = etagOf(view);
    res.set('ETag', etag).set('Cache-Control', 'no-cache');
    if (req.get('If-None-Match') === etag) {
      res.status(304).end();
      return;
    }
    res.json(view);
  });

  router.post('/v1/jobs/:id/cancel', async (req: Request, res: Response) => {
    const id = jobId(req);
    const { tenant } = callerOf(res);
    const view = await deps.intake.view(id, tenant);
    if (isTerminal(view.status)) throw errors.jobAlreadyEnded(id, view.status);
    await deps.lifecycle.cancel(id);
    res.status(202).json(await deps.intake.view(id, tenant));
  });

  // An ended job only (JOB_NOT_ENDED otherwise): its rows, hot state and objects go.
  router.delete('/v1/jobs/:id', async (req: Request, res: Response) => {
    await removeJob(deps, jobId(req), callerOf(res).tenant);
    res.status(204).end();
  });

  /**
   * Server-sent events: `progress` whenever the job changed (checked every
   * 500 ms), then one final event named after the terminal status, then close.
   */
  router.get('/v1/jobs/:id/events', async (req: Request, res: Response) => {
    const id = jobId(req);
    const { tenant } = callerOf(res);
    let view = await deps.intake.view(id, tenant);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    let sequence = 0;
    const send = (event: string, data: JobView) => {
      res.write(`id: ${++sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    let closed = false;
    req.on('close', () => {
      closed = true;
    });
    let lastTag = '';
    const interval = deps.eventIntervalMs ?? 500;
    while (!closed) {
      const tag = etagOf(view);
      if (isTerminal(view.status)) {
        send(view.status, view);
        break;
      }
      if (tag !== lastTag) {
        send('progress', view);
        lastTag = tag;
      }
      await new Promise((r) => setTimeout(r, interval));
      view = await deps.intake.view(id, tenant);
    }
    res.end();
  });

  return router;
}
