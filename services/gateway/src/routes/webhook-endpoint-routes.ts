import { jobEventSchema } from '@ingest/contracts';
import { errors } from '@ingest/errors';
import { assertWebhookUrl, type Cidr } from '@ingest/net-guard';
import type { WebhookEndpointRepository } from '@ingest/webhooks';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { callerOf } from '../http/authenticate';
import { UUID } from '../http/id-patterns';
import { jsonBody } from '../http/json-body';
import { parseInput } from '../http/parse-input';
import { endpointView } from './webhook-views';

export interface WebhookEndpointRoutesDeps {
  webhookEndpoints: WebhookEndpointRepository;
  /** Non-public callback addresses the operator allows (WEBHOOK_ALLOWED_CIDRS). */
  webhookAllow: readonly Cidr[];
}

const EVENTS = jobEventSchema.shape.type.options;

export const webhookCreateBody = z
  .object({
    url: z.string().min(1).max(2048),
    events: z.array(jobEventSchema.shape.type).min(1).optional(),
  })
  .strict();

const endpointId = (req: Request): string => {
  const id = String(req.params.id);
  if (!UUID.test(id)) throw errors.webhookNotFound(id);
  return id;
};

/** A tenant's registered endpoints: create (secret shown once), list, read, delete. */
export function webhookEndpointRoutes(deps: WebhookEndpointRoutesDeps): Router {
  const router = Router();

  router.post('/v1/webhooks', jsonBody(), async (req: Request, res: Response) => {
    const { tenant } = callerOf(res);
    if (req.body === undefined) {
      throw errors.validation('send a JSON body with Content-Type: application/json');
    }
    const input = parseInput(webhookCreateBody, req.body, 'request body');
    // The normalized URL is stored, so what was checked is what gets called.
    const url = (await assertWebhookUrl(input.url, { allow: deps.webhookAllow })).href;
    const wanted = input.events ?? EVENTS;
    const events = EVENTS.filter((e) => wanted.includes(e));
    const { endpoint, secret } = await deps.webhookEndpoints.create({ tenant, url, events });
    res
      .status(201)
      .location(`/v1/webhooks/${endpoint.id}`)
      .json({ ...endpointView(endpoint), secret });
  });

  router.get('/v1/webhooks', async (_req: Request, res: Response) => {
    const endpoints = await deps.webhookEndpoints.list(callerOf(res).tenant);
    res.json({ webhooks: endpoints.map(endpointView) });
  });

  router.get('/v1/webhooks/:id', async (req: Request, res: Response) => {
    const id = endpointId(req);
    const endpoint = await deps.webhookEndpoints.get(callerOf(res).tenant, id);
    if (!endpoint) throw errors.webhookNotFound(id);
    res.json(endpointView(endpoint));
  });

  router.delete('/v1/webhooks/:id', async (req: Request, res: Response) => {
    const id = endpointId(req);
    if (!(await deps.webhookEndpoints.delete(callerOf(res).tenant, id))) {
      throw errors.webhookNotFound(id);
    }
    res.status(204).end();
  });

  return router;
}
