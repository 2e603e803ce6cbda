import { jobViewSchema } from '@ingest/contracts';
import { z } from 'zod';
import {
  API_OPERATIONS,
  COMMON_RESPONSES,
  pathParameterDescription,
  type ApiOperation,
  type ApiResponse,
} from './api-operations';
import * as api from './api-schemas';

type JsonSchema = Record<string, unknown>;

/** Schemas shown once under `components.schemas` and referenced by name everywhere else. */
const COMPONENTS: Record<string, z.ZodType> = {
  Error: api.errorBodySchema,
  Job: jobViewSchema,
  UploadedJob: api.uploadedJobSchema,
  JobPage: api.jobPageSchema,
  Reject: api.rejectViewSchema,
  RejectPage: api.rejectPageSchema,
  Dataset: api.datasetViewSchema,
  DatasetPage: api.datasetPageSchema,
  WebhookEndpoint: api.webhookEndpointViewSchema,
  CreatedWebhookEndpoint: api.createdWebhookEndpointSchema,
  WebhookEndpointList: api.webhookEndpointListSchema,
  WebhookDelivery: api.webhookDeliveryViewSchema,
  WebhookDeliveryList: api.webhookDeliveryListSchema,
  Health: api.healthSchema,
  Readiness: api.readinessSchema,
};

const HEADERS: Record<string, { description: string; schema: JsonSchema }> = {
  'Idempotency-Key': {
    description: 'Any string of 1 to 255 characters naming this load: a retry returns the same job',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  },
  'Content-Digest': {
    description: 'RFC 9530 `sha-256=:<base64>:`, checked against the bytes (DIGEST_MISMATCH)',
    schema: { type: 'string' },
  },
  'If-None-Match': {
    description: 'The ETag of the last answer: 304 if unchanged',
    schema: { type: 'string' },
  },
  'X-Request-Id': {
    description:
      'Names the request in the logs (1 to 128 of A-Z a-z 0-9 . _ : -); generated if absent',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  ETag: { description: 'A weak tag of this view', schema: { type: 'string' } },
  Location: { description: 'Where the resource is', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: '`true` for a repeated Idempotency-Key',
    schema: { type: 'string' },
  },
  'Content-Deduplicated': {
    description: '`true` when dedupe=content found the job',
    schema: { type: 'string' },
  },
};

/** Zod's JSON Schema of a component, without the `$schema`/`$id` a standalone document carries. */
function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  const ids = new Map<z.ZodType, string>();
  for (const [id, schema] of Object.entries(COMPONENTS)) {
    registry.add(schema, { id });
    ids.set(schema, id);
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, s]) => {
      const { $schema: _schema, $id: _id, ...rest } = s as JsonSchema;
      return [id, rest];
    }),
  );
}

/** An input schema (query, request body) inline, as a client sends it. */
const inputSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
};

function schemaRef(schema: z.ZodType): JsonSchema {
  const id = Object.entries(COMPONENTS).find(([, s]) => s === schema)?.[0];
  if (id === undefined) throw new Error('every response schema must be a named component');
  return { $ref: `#/components/schemas/${id}` };
}

function queryParameters(query: z.ZodObject): JsonSchema[] {
  const json = inputSchema(query) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: 'query',
      required: json.required?.includes(name) ?? false,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function responseObject(r: ApiResponse): JsonSchema {
  const content: JsonSchema = {};
  if (r.json) content['application/json'] = { schema: schemaRef(r.json) };
  if (r.media) content[r.media] = { schema: { type: 'string' } };
  const headers = Object.fromEntries(
    ['X-Request-Id', ...(r.headers ?? [])].map((h) => [h, HEADERS[h]]),
  );
  return {
    description: r.description,
    headers,
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
}

function requestBody(op: ApiOperation): JsonSchema | undefined {
  if (op.body === undefined) return undefined;
  if ('json' in op.body) {
    return {
      required: true,
      content: { 'application/json': { schema: inputSchema(op.body.json) } },
    };
  }
  if (op.body.media === 'multipart/form-data') {
    return {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: {
              schema: {
                type: 'string',
                description: 'A table schema as JSON; must come before the file part',
              },
              file: { type: 'string', contentMediaType: 'text/csv', description: 'The CSV file' },
            },
          },
          encoding: { schema: { contentType: 'application/json' } },
        },
      },
    };
  }
  return {
    required: op.body.media === 'application/octet-stream',
    content: {
      [op.body.media]: { schema: { type: 'string', contentMediaType: 'text/csv' } },
    },
  };
}

function operationObject(op: ApiOperation): JsonSchema {
  const pathNames = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  const parameters = [
    ...pathNames.map((name) => ({
      name,
      in: 'path',
      required: true,
      description: pathParameterDescription(op.path, name),
      schema: { type: 'string' },
    })),
    ...(op.query ? queryParameters(op.query) : []),
    ...['X-Request-Id', ...(op.headers ?? [])].map((name) => ({
      name,
      in: 'header',
      required: false,
      description: HEADERS[name]?.description,
      schema: HEADERS[name]?.schema,
    })),
  ];
  const responses = { ...(op.authenticated ? COMMON_RESPONSES : {}), ...op.responses };
  const body = requestBody(op);
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.authenticated ? {} : { security: [] }),
    parameters,
    ...(body ? { requestBody: body } : {}),
    responses: Object.fromEntries(
      Object.entries(responses).map(([status, r]) => [status, responseObject(r)]),
    ),
  };
}

/** The OpenAPI 3.1 description of the gateway, generated from the zod schemas its routes use. */
export function buildOpenApiDocument(version = '0.1.0'): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of API_OPERATIONS) {
    (paths[op.path] ??= {})[op.method] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'csv-ingest',
      version,
      description:
        'Stream CSV files of any size into PostgreSQL. Every `/v1` route needs `Authorization: Bearer <key>`; errors are `{"error": {"code", "message"}}`.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'jobs', description: 'Uploads and the jobs that load them' },
      { name: 'datasets', description: 'Named table schemas' },
      { name: 'webhooks', description: 'Endpoints for job events and their delivery log' },
      { name: 'health', description: 'Liveness and readiness' },
    ],
    security: [{ apiKey: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (`npm run keys -- create <tenant>`)',
        },
      },
    },
  };
}
