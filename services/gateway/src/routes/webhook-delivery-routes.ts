import { errors } from '@ingest/errors';
import type { JobLifecycle } from '@ingest/jobs';
import type { WebhookDeliveryRepository } from '@ingest/webhooks';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { callerOf } from '../http/authenticate';
import { UUID } from '../http/id-patterns';
import { parseQuery } from '../http/parse-input';
import { deliveryView } from './webhook-views';

export interface WebhookDeliveryRoutesDeps {
  webhookDeliveries: WebhookDeliveryRepository;
  /** Queues one hand-triggered attempt (BullMQ, picked up by the notifier). */
  webhookQueue: { redeliver(deliveryId: string): Promise<void> };
  lifecycle: Pick<JobLifecycle, 'get'>;
}

const DELIVERY_ID = /^msg_[A-Za-z0-9_-]{1,64}$/;

export const deliveryListQuery = z.object({
  job: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const deliveryId = (req: Request): string => {
  const id = String(req.params.id);
  if (!DELIVERY_ID.test(id)) throw errors.webhookDeliveryNotFound(id);
  return id;
};

/** The delivery log (every attempt of every webhook) and manual redelivery. */
export function webhookDeliveryRoutes(deps: WebhookDeliveryRoutesDeps): Router {
  const router = Router();
  const withAttempts = async (records: Parameters<typeof deliveryView>[0][]) => {
    const attempts = await deps.webhookDeliveries.attemptsOf(records.map((r) => r.id));
    return records.map((r) => deliveryView(r, attempts.get(r.id) ?? []));
  };

  router.get('/v1/webhooks/deliveries', async (req: Request, res: Response) => {
    const { tenant } = callerOf(res);
    const { job, limit } = parseQuery(deliveryListQuery, req.query);
    if (job !== undefined) {
      // Another tenant's job is as unknown as a missing one.
      const record = UUID.test(job) ? await deps.lifecycle.get(job) : null;
      if (record?.tenant !== tenant) throw errors.jobNotFound(job);
    }
    const records = await deps.webhookDeliveries.list(tenant, { jobId: job, limit });
    res.json({ deliveries: await withAttempts(records) });
  });

  router.get('/v1/webhooks/deliveries/:id', async (req: Request, res: Response) => {
    const id = deliveryId(req);
    const record = await deps.webhookDeliveries.find(callerOf(res).tenant, id);
    if (!record) throw errors.webhookDeliveryNotFound(id);
    const [view] = await withAttempts([record]);
    res.json(view);
  });

  /**
   * Re-sends the same message (same webhook-id, fresh timestamp and signature)
   * once. The status stays as it is until that attempt ends: its outcome sets it.
   */
  router.post('/v1/webhooks/deliveries/:id/redeliver', async (req: Request, res: Response) => {
    const id = deliveryId(req);
    const record = await deps.webhookDeliveries.find(callerOf(res).tenant, id);
    if (!record) throw errors.webhookDeliveryNotFound(id);
    await deps.webhookQueue.redeliver(id).catch((e: unknown) => {
      throw errors.queueUnavailable(e);
    });
    const [view] = await withAttempts([record]);
    res.status(202).location(`/v1/webhooks/deliveries/${id}`).json(view);
  });

  return router;
}
