import { jobViewSchema } from '@ingest/contracts';
import { datasetCreateBody, datasetListQuery, datasetPutBody } from '../routes/dataset-routes';
import { jobListQuery } from '../routes/job-status-routes';
import { rejectQuery } from '../routes/reject-routes';
import { deliveryListQuery } from '../routes/webhook-delivery-routes';
import { webhookCreateBody } from '../routes/webhook-endpoint-routes';
import { uploadQuery } from '../upload/upload-request';
import * as api from './api-schemas';
import { error, type ApiOperation, type ApiResponse } from './api-operation';
import { TUS_OPERATIONS } from './tus-operations';

export type { ApiOperation, ApiResponse };

const JOB_ID = 'Job id (a UUID); any other string is a 404 JOB_NOT_FOUND.';

const upload = (
  method: 'post' | 'put',
  path: string,
  id: string,
  summary: string,
): ApiOperation => ({
  method,
  path,
  id,
  tag: 'jobs',
  summary,
  authenticated: true,
  query: uploadQuery,
  headers: ['Idempotency-Key', 'Content-Digest'],
  body: { media: method === 'post' ? 'multipart/form-data' : 'application/octet-stream' },
  responses: {
    200: {
      description:
        'An earlier job: a repeated Idempotency-Key, or the same content (dedupe=content)',
      json: api.uploadedJobSchema,
      headers: ['Location', 'Idempotent-Replayed', 'Content-Deduplicated'],
    },
    202: {
      description: 'Stored; the job is queued for planning',
      json: api.uploadedJobSchema,
      headers: ['Location'],
    },
    400: error('A bad option, a broken body, an empty file or a digest that does not match'),
    408: error('UPLOAD_TOO_SLOW'),
    413: error("UPLOAD_TOO_LARGE: over the key's or the deployment's limit"),
  },
});

/** Every route the gateway serves, with what it takes and what it answers. */
export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/healthz',
    id: 'getHealth',
    tag: 'health',
    summary: 'The process serves',
    authenticated: false,
    responses: { 200: { description: 'Alive', json: api.healthSchema } },
  },
  {
    method: 'get',
    path: '/readyz',
    id: 'getReadiness',
    tag: 'health',
    summary: 'Every dependency answers now (Postgres, Redis, RabbitMQ, storage)',
    authenticated: false,
    responses: {
      200: { description: 'Ready', json: api.readinessSchema },
      503: { description: 'A dependency does not answer', json: api.readinessSchema },
    },
  },
  upload(
    'post',
    '/v1/jobs',
    'uploadJob',
    'Upload a CSV file (multipart, field `file`) as a new job',
  ),
  upload('put', '/v1/jobs/raw', 'uploadJobRaw', 'Upload a CSV file as the raw request body'),
  {
    method: 'get',
    path: '/v1/jobs',
    id: 'listJobs',
    tag: 'jobs',
    summary: "The tenant's jobs, newest first",
    authenticated: true,
    query: jobListQuery,
    responses: { 200: { description: 'A page of jobs', json: api.jobPageSchema } },
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}',
    id: 'getJob',
    tag: 'jobs',
    summary: "A job's status, progress, timings and errors",
    authenticated: true,
    headers: ['If-None-Match'],
    responses: {
      200: { description: 'The job', json: jobViewSchema, headers: ['ETag'] },
      304: { description: 'Unchanged since the ETag sent in If-None-Match' },
      404: error('JOB_NOT_FOUND'),
    },
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/events',
    id: 'streamJobEvents',
    tag: 'jobs',
    summary: 'Server-sent events: `progress` (at most every 500 ms), then the terminal status',
    authenticated: true,
    responses: {
      200: {
        description:
          'Events named `progress`, `completed`, `failed` or `cancelled`; each `data` is a Job',
        media: 'text/event-stream',
      },
      404: error('JOB_NOT_FOUND'),
    },
  },
  {
    method: 'post',
    path: '/v1/jobs/{id}/cancel',
    id: 'cancelJob',
    tag: 'jobs',
    summary: 'Cancel a live job (rows already committed stay)',
    authenticated: true,
    responses: {
      202: { description: 'Cancelled', json: jobViewSchema },
      404: error('JOB_NOT_FOUND'),
      409: error('JOB_ALREADY_ENDED'),
    },
  },
  {
    method: 'delete',
    path: '/v1/jobs/{id}',
    id: 'deleteJob',
    tag: 'jobs',
    summary: 'Delete an ended job with its rejects, ledger, delivery log and stored objects',
    authenticated: true,
    responses: {
      204: { description: 'Deleted' },
      404: error('JOB_NOT_FOUND'),
      409: error('JOB_NOT_ENDED'),
    },
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/rejects',
    id: 'listRejects',
    tag: 'jobs',
    summary: "A job's rejected records: JSON pages, or every one as CSV (`format=csv`)",
    authenticated: true,
    query: rejectQuery,
    responses: {
      200: {
        description: 'A page of rejects; with `format=csv` the header and the records as sent',
        json: api.rejectPageSchema,
        media: 'text/csv',
      },
      404: error('JOB_NOT_FOUND'),
    },
  },
  {
    method: 'post',
    path: '/v1/datasets',
    id: 'createDataset',
    tag: 'datasets',
    summary: 'Store a named table schema',
    authenticated: true,
    body: { json: datasetCreateBody },
    responses: {
      201: { description: 'Stored', json: api.datasetViewSchema, headers: ['Location'] },
      400: error('VALIDATION_FAILED or SCHEMA_INVALID'),
      409: error('DATASET_EXISTS'),
      413: error('BODY_TOO_LARGE'),
    },
  },
  {
    method: 'get',
    path: '/v1/datasets',
    id: 'listDatasets',
    tag: 'datasets',
    summary: "The tenant's datasets by name",
    authenticated: true,
    query: datasetListQuery,
    responses: { 200: { description: 'A page of datasets', json: api.datasetPageSchema } },
  },
  {
    method: 'get',
    path: '/v1/datasets/{name}',
    id: 'getDataset',
    tag: 'datasets',
    summary: 'One dataset',
    authenticated: true,
    responses: {
      200: { description: 'The dataset', json: api.datasetViewSchema },
      404: error('DATASET_NOT_FOUND'),
    },
  },
  {
    method: 'put',
    path: '/v1/datasets/{name}',
    id: 'putDataset',
    tag: 'datasets',
    summary: 'Create or replace a dataset',
    authenticated: true,
    body: { json: datasetPutBody },
    responses: {
      200: { description: 'Replaced', json: api.datasetViewSchema },
      201: { description: 'Created', json: api.datasetViewSchema, headers: ['Location'] },
      400: error('VALIDATION_FAILED or SCHEMA_INVALID'),
      413: error('BODY_TOO_LARGE'),
    },
  },
  {
    method: 'delete',
    path: '/v1/datasets/{name}',
    id: 'deleteDataset',
    tag: 'datasets',
    summary: 'Delete a dataset (jobs that used it keep their copy of the schema)',
    authenticated: true,
    responses: { 204: { description: 'Deleted' }, 404: error('DATASET_NOT_FOUND') },
  },
  {
    method: 'post',
    path: '/v1/webhooks',
    id: 'createWebhook',
    tag: 'webhooks',
    summary: "Register an endpoint for the tenant's job events",
    authenticated: true,
    body: { json: webhookCreateBody },
    responses: {
      201: {
        description: 'Registered; the secret is shown only here',
        json: api.createdWebhookEndpointSchema,
        headers: ['Location'],
      },
      400: error('VALIDATION_FAILED or WEBHOOK_URL_FORBIDDEN'),
      413: error('BODY_TOO_LARGE'),
    },
  },
  {
    method: 'get',
    path: '/v1/webhooks',
    id: 'listWebhooks',
    tag: 'webhooks',
    summary: "The tenant's endpoints (never their secrets)",
    authenticated: true,
    responses: { 200: { description: 'The endpoints', json: api.webhookEndpointListSchema } },
  },
  {
    method: 'get',
    path: '/v1/webhooks/{id}',
    id: 'getWebhook',
    tag: 'webhooks',
    summary: 'One endpoint',
    authenticated: true,
    responses: {
      200: { description: 'The endpoint', json: api.webhookEndpointViewSchema },
      404: error('WEBHOOK_NOT_FOUND'),
    },
  },
  {
    method: 'delete',
    path: '/v1/webhooks/{id}',
    id: 'deleteWebhook',
    tag: 'webhooks',
    summary: 'Stop deliveries to an endpoint (its delivery log stays)',
    authenticated: true,
    responses: { 204: { description: 'Deleted' }, 404: error('WEBHOOK_NOT_FOUND') },
  },
  {
    method: 'get',
    path: '/v1/webhooks/deliveries',
    id: 'listWebhookDeliveries',
    tag: 'webhooks',
    summary: 'The delivery log, newest first: status and every attempt',
    authenticated: true,
    query: deliveryListQuery,
    responses: {
      200: { description: 'Deliveries', json: api.webhookDeliveryListSchema },
      404: error('JOB_NOT_FOUND (`job=` names no job of the tenant)'),
    },
  },
  {
    method: 'get',
    path: '/v1/webhooks/deliveries/{id}',
    id: 'getWebhookDelivery',
    tag: 'webhooks',
    summary: 'One delivery (its id is the `webhook-id` header)',
    authenticated: true,
    responses: {
      200: { description: 'The delivery', json: api.webhookDeliveryViewSchema },
      404: error('WEBHOOK_DELIVERY_NOT_FOUND'),
    },
  },
  {
    method: 'post',
    path: '/v1/webhooks/deliveries/{id}/redeliver',
    id: 'redeliverWebhook',
    tag: 'webhooks',
    summary: 'Send a delivery once more (same `webhook-id`, new attempt)',
    authenticated: true,
    responses: {
      202: { description: 'Queued', json: api.webhookDeliveryViewSchema, headers: ['Location'] },
      404: error('WEBHOOK_DELIVERY_NOT_FOUND'),
    },
  },
  ...TUS_OPERATIONS,
];

/** Answers every authenticated operation can give besides its own. */
export const COMMON_RESPONSES: Record<number, ApiResponse> = {
  400: error('VALIDATION_FAILED: an unknown or bad query parameter, header or body'),
  401: error('UNAUTHENTICATED: no API key, or an unknown or revoked one'),
  429: error('RATE_LIMITED or TOO_MANY_UPLOADS; Retry-After says when to try again'),
  500: error('INTERNAL'),
  503: error('STORAGE_UNAVAILABLE, QUEUE_UNAVAILABLE or DATABASE_UNAVAILABLE'),
};

/** What a path parameter is, by the collection it names. */
export function pathParameterDescription(path: string, name: string): string {
  if (name === 'name')
    return 'Dataset name: 1 to 63 letters, digits or _, not starting with a digit.';
  if (path.startsWith('/v1/webhooks/deliveries')) return 'Delivery id (`msg_…`).';
  if (path.startsWith('/v1/webhooks')) return 'Endpoint id (a UUID).';
  if (path.startsWith('/v1/uploads')) return 'Upload id: the id of its job (a UUID).';
  return JOB_ID;
}
