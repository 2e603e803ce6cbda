import type { DialectOverrides } from '@ingest/contracts';
import { tableNameFromFileName } from '@ingest/normalize';
import { parseRejectBudget, type RejectBudget, type TableSchema } from '@ingest/normalize';
import type { SchemaSource } from '@ingest/jobs';
import { assertTableName } from '@ingest/postgres';
import { resolveLoad, type LoadOptions } from './load-options';
import { requestFingerprint } from './request-fingerprint';
import type { UploadRequest } from './upload-request';

/** Everything a new job records of its upload's request, settled once schema and file name are known. */
export interface JobOptions {
  tenant: string;
  table: string;
  fileName: string | null;
  webhookUrl: string | null;
  idempotencyKey: string | null;
  /** What the request asked for besides its body (requestFingerprint), kept with the key. */
  requestFingerprint: string;
  chunkBytes: number | null;
  dialectOverrides: DialectOverrides;
  /** `?dataset=`: the stored schema to load with. */
  dataset: string | null;
  schema: TableSchema | null;
  schemaSource: SchemaSource | null;
  maxRejects: { count: number | null; ratio: number | null };
  load: LoadOptions;
  /** `dedupe=content`: identical bytes into the same table return the earlier job. */
  dedupeContent: boolean;
  /** The SHA-256 (hex) the client declared in Content-Digest, checked against the bytes. */
  declaredSha256: string | null;
  requestId: string | null;
}

/** A job's schema and where it came from. */
export interface JobSchema {
  schema: TableSchema;
  source: Exclude<SchemaSource, 'inferred'>;
}

/** The budget as stored on the job: a count, or a share (0–1) of the rows. */
export function budgetColumns(budget: RejectBudget | null): JobOptions['maxRejects'] {
  if (budget === null || budget.kind === 'unlimited') return { count: null, ratio: null };
  return budget.kind === 'count'
    ? { count: budget.max, ratio: null }
    : { count: null, ratio: budget.max };
}

/**
 * The job's options: the request's own, over the schema's, over defaults (the
 * file name names the table last). Throws INVALID_TABLE_NAME or VALIDATION_FAILED.
 */
export function resolveJobOptions(
  request: UploadRequest,
  schema: JobSchema | null,
  fileName: string | null,
): JobOptions {
  return {
    tenant: request.tenant,
    dialectOverrides: request.dialectOverrides,
    table: assertTableName(
      request.table ?? schema?.schema.table ?? tableNameFromFileName(fileName),
    ),
    dataset: request.dataset,
    schema: schema?.schema ?? null,
    schemaSource: schema?.source ?? null,
    // The query parameter wins over the schema's own max_rejects.
    maxRejects: budgetColumns(parseRejectBudget(request.maxRejects ?? schema?.schema.max_rejects)),
    fileName,
    webhookUrl: request.webhookUrl,
    idempotencyKey: request.idempotencyKey,
    requestFingerprint: requestFingerprint(request),
    chunkBytes: request.chunkBytes,
    load: resolveLoad(request.load, schema?.schema ?? null),
    dedupeContent: request.dedupeContent,
    declaredSha256: request.declaredSha256,
    requestId: request.requestId ?? null,
  };
}

/** The fields of a new job that come from its options, alike for every upload route. */
export function jobFieldsOf(options: JobOptions, objectRetentionMs: number) {
  return {
    tenant: options.tenant,
    table: options.table,
    fileName: options.fileName,
    chunkBytes: options.chunkBytes,
    webhookUrl: options.webhookUrl,
    dialectOverrides: options.dialectOverrides,
    schema: options.schema,
    schemaSource: options.schemaSource,
    maxRejects: options.maxRejects,
    load: options.load,
    objectRetentionSeconds: Math.ceil(objectRetentionMs / 1000),
    requestId: options.requestId,
  };
}
