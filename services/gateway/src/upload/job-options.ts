import type { DialectOverrides, LoadMode } from '@ingest/contracts';
import { tableNameFromFileName } from '@ingest/domain';
import { errors } from '@ingest/errors';
import { parseRejectBudget, type RejectBudget, type TableSchema } from '@ingest/normalize';
import type { SchemaSource } from '@ingest/jobs';
import { assertTableName } from '@ingest/postgres';
import type { UploadRequest } from './upload-request';

/** Everything a new job records of its upload's request, settled once schema and file name are known. */
export interface JobOptions {
  tenant: string;
  table: string;
  fileName: string | null;
  webhookUrl: string | null;
  idempotencyKey: string | null;
  chunkBytes: number | null;
  dialectOverrides: DialectOverrides;
  /** `?dataset=`: the stored schema to load with. */
  dataset: string | null;
  schema: TableSchema | null;
  schemaSource: SchemaSource | null;
  maxRejects: { count: number | null; ratio: number | null };
  load: { mode: LoadMode; key: string[] | null; atomic: boolean };
  /** `dedupe=content`: identical bytes into the same table return the earlier job. */
  dedupeContent: boolean;
  /** The SHA-256 (hex) the client declared in Content-Digest, checked against the bytes. */
  declaredSha256: string | null;
}

/** A job's schema and where it came from. */
export interface JobSchema {
  schema: TableSchema;
  source: Exclude<SchemaSource, 'inferred'>;
}

/** `?mode=`, `?key=`, `?atomic=` as given (null: not given); each wins over the schema's. */
export interface QueryLoad {
  mode: LoadMode | null;
  key: string[] | null;
  atomic: boolean | null;
}

/** The budget as stored on the job: a count, or a share (0–1) of the rows. */
export function budgetColumns(budget: RejectBudget | null): JobOptions['maxRejects'] {
  if (budget === null || budget.kind === 'unlimited') return { count: null, ratio: null };
  return budget.kind === 'count'
    ? { count: budget.max, ratio: null }
    : { count: null, ratio: budget.max };
}

/** Mode, key and atomic from the query, else the schema's; an upsert needs a key the schema has. */
export function resolveLoad(query: QueryLoad, schema: TableSchema | null): JobOptions['load'] {
  const mode = query.mode ?? schema?.mode ?? 'append';
  const key = query.key ?? schema?.key ?? null;
  if (mode === 'upsert' && key === null) {
    throw errors.validation(
      "mode=upsert needs a key: ?key=<column>[,<column>…] or the schema's key",
    );
  }
  if (key !== null && new Set(key).size !== key.length) {
    throw errors.validation('query parameter key: a column is listed twice');
  }
  const missing =
    schema === null ? [] : (key?.filter((k) => !schema.columns.some((c) => c.name === k)) ?? []);
  if (missing.length > 0) {
    throw errors.validation(
      `query parameter key: ${missing.join(', ')} is not a column of the schema`,
    );
  }
  return { mode, key, atomic: query.atomic ?? schema?.atomic ?? false };
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
    chunkBytes: request.chunkBytes,
    load: resolveLoad(request.load, schema?.schema ?? null),
    dedupeContent: request.dedupeContent,
    declaredSha256: request.declaredSha256,
  };
}
