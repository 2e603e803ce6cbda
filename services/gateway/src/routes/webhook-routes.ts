import { Router } from 'express';
import { webhookDeliveryRoutes, type WebhookDeliveryRoutesDeps } from './webhook-delivery-routes';
import { webhookEndpointRoutes, type WebhookEndpointRoutesDeps } from './webhook-endpoint-routes';

export type WebhookRoutesDeps = WebhookDeliveryRoutesDeps & WebhookEndpointRoutesDeps;

/** Every `/v1/webhooks` route; deliveries first, so `/deliveries` is never taken for an `:id`. */
export function webhookRoutes(deps: WebhookRoutesDeps): Router {
  const router = Router();
  router.use(webhookDeliveryRoutes(deps));
  router.use(webhookEndpointRoutes(deps));
  return router;
}
