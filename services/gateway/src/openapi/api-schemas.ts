import { jobEventSchema, jobViewSchema } from '@ingest/contracts';
import { z } from 'zod';

/**
 * The bodies the API answers with, as zod schemas: the route handlers' views are typed
 * by them and the OpenAPI document is generated from them (one source of truth).
 */
const timestamp = z.iso.datetime();
const cursor = z
  .string()
  .nullable()
  .meta({ description: 'Pass as `cursor` to get the next page; null on the last page.' });

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().meta({
      description: 'Stable machine-readable code (see the error-code table in the README).',
      examples: ['VALIDATION_FAILED'],
    }),
    message: z.string().meta({ description: 'What was found, for people.' }),
  }),
});

export const uploadedJobSchema = jobViewSchema.extend({
  deduplicated: z.literal(true).optional().meta({
    description: 'With `dedupe=content`: the same bytes were already loaded by this job.',
  }),
  links: z.object({ self: z.string() }),
});

export const jobPageSchema = z.object({ jobs: z.array(jobViewSchema), next_cursor: cursor });

export const rejectViewSchema = z.object({
  line: z
    .number()
    .int()
    .meta({ description: 'Physical line of the file where the record starts.' }),
  byte_offset: z.number().int().nullable(),
  chunk: z.number().int(),
  column: z.string().nullable(),
  code: z.string().meta({ examples: ['INVALID_INTEGER'] }),
  message: z.string(),
  raw: z.string().meta({ description: 'The record as UTF-8 text (invalid bytes as U+FFFD).' }),
});
export type RejectView = z.infer<typeof rejectViewSchema>;

export const rejectPageSchema = z.object({
  rejects: z.array(rejectViewSchema),
  next_cursor: cursor,
});

export const datasetViewSchema = z.object({
  name: z.string(),
  schema: z.unknown().meta({ description: 'The stored table schema.' }),
  created_at: timestamp,
});
export type DatasetView = z.infer<typeof datasetViewSchema>;

export const datasetPageSchema = z.object({
  datasets: z.array(datasetViewSchema),
  next_cursor: cursor,
});

const eventType = jobEventSchema.shape.type;

export const webhookEndpointViewSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(eventType),
  created_at: timestamp,
});
export type WebhookEndpointView = z.infer<typeof webhookEndpointViewSchema>;

export const createdWebhookEndpointSchema = webhookEndpointViewSchema.extend({
  secret: z
    .string()
    .meta({ description: 'The signing secret (`whsec_…`); shown only in this answer.' }),
});

export const webhookEndpointListSchema = z.object({ webhooks: z.array(webhookEndpointViewSchema) });

export const webhookDeliveryViewSchema = z.object({
  id: z.string().meta({ description: 'The `webhook-id` header of every attempt.' }),
  job_id: z.uuid(),
  event: eventType,
  target: z.enum(['job', 'endpoint']),
  endpoint_id: z.uuid().nullable(),
  url: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  next_attempt_at: timestamp.nullable().meta({ description: 'While pending: the next attempt.' }),
  failure_reason: z.string().nullable(),
  attempts: z.array(
    z.object({
      number: z.number().int().positive(),
      manual: z.boolean(),
      attempted_at: timestamp,
      duration_ms: z.number().int().nonnegative(),
      http_status: z.number().int().nullable(),
      error: z.string().nullable(),
    }),
  ),
  created_at: timestamp,
  delivered_at: timestamp.nullable(),
});
export type WebhookDeliveryView = z.infer<typeof webhookDeliveryViewSchema>;

export const webhookDeliveryListSchema = z.object({
  deliveries: z.array(webhookDeliveryViewSchema),
});

export const healthSchema = z.object({ status: z.literal('ok') });

export const readinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.record(z.string(), z.string()).meta({
    description: '"ok" or the failure, per dependency (postgres, redis, rabbitmq, storage).',
  }),
});
