import { tableNameFromFileName } from '@ingest/domain';
import { errors } from '@ingest/errors';
import { assertTableName } from '@ingest/postgres';
import type { Request } from 'express';
import { z } from 'zod';
import { DELIMITERS, ENCODINGS, LOAD_MODES, type DialectOverrides } from '@ingest/contracts';
import {
  identifierProblem,
  parseRejectBudget,
  type RejectBudget,
  type TableSchema,
} from '@ingest/normalize';
import type { SchemaSource } from '@ingest/jobs';

const ENCODING_ALIASES: Record<string, string> = {
  utf8: 'utf-8',
  latin1: 'windows-1252',
  'iso-8859-1': 'windows-1252',
  cp1252: 'windows-1252',
  utf16le: 'utf-16le',
  utf16be: 'utf-16be',
};
import type { JobOptions } from '../job-intake';

/** Delimiters by name too, since a literal tab or pipe is awkward in a URL. */
const DELIMITER_NAMES: Record<string, string> = {
  comma: ',',
  semicolon: ';',
  tab: '\t',
  pipe: '|',
};

export const DATASET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A job's schema and where it came from. */
export interface JobSchema {
  schema: TableSchema;
  source: Exclude<SchemaSource, 'inferred'>;
}

/** The budget as stored on the job: a count, or a share (0–1) of the rows. */
export function budgetColumns(budget: RejectBudget | null): {
  count: number | null;
  ratio: number | null;
} {
  if (budget === null || budget.kind === 'unlimited') return { count: null, ratio: null };
  return budget.kind === 'count'
    ? { count: budget.max, ratio: null }
    : { count: null, ratio: budget.max };
}

const querySchema = z.object({
  delimiter: z
    .string()
    .transform((d) => DELIMITER_NAMES[d.toLowerCase()] ?? d)
    .pipe(
      z.enum(DELIMITERS, { message: 'must be one of , ; tab | (or comma, semicolon, tab, pipe)' }),
    )
    .optional(),
  quote: z.enum(['"', "'"], { message: 'must be " or \'' }).optional(),
  header: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
  encoding: z
    .string()
    .transform((e) => ENCODING_ALIASES[e.toLowerCase()] ?? e.toLowerCase())
    .pipe(z.enum(ENCODINGS, { message: `must be one of ${ENCODINGS.join(', ')}` }))
    .optional(),
  table: z.string().min(1).optional(),
  // Scheme, syntax and address are checked by the SSRF guard (WEBHOOK_URL_FORBIDDEN).
  webhook_url: z.string().min(1).max(2048).optional(),
  chunk_size: z.coerce.number().int().positive().optional(),
  dataset: z
    .string()
    .regex(DATASET_NAME, 'must be 1 to 63 letters, digits or _, not starting with a digit')
    .optional(),
  max_rejects: z
    .string()
    .refine((v) => parseRejectBudget(v) !== null, {
      message: 'must be a count (an integer ≥ 0) or a percentage up to 100% such as 5%',
    })
    .optional(),
  mode: z.enum(LOAD_MODES, { message: `must be one of ${LOAD_MODES.join(', ')}` }).optional(),
  /** Comma-separated key columns (upsert; replace may dedupe by it too). */
  key: z
    .string()
    .transform((v) => v.split(',').map((k) => k.trim()))
    .refine((keys) => keys.every((k) => identifierProblem(k) === null), {
      message: 'must be column names separated by commas',
    })
    .optional(),
  atomic: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
  dedupe: z.enum(['content', 'none'], { message: 'must be content or none' }).optional(),
});

/**
 * The SHA-256 a `Content-Digest: sha-256=:<base64>:` header (RFC 9530) declares, as hex;
 * null without one. Other algorithms are ignored, a malformed sha-256 entry is refused.
 */
function declaredSha256(req: Request): string | null {
  const header = req.get('Content-Digest');
  if (header === undefined) return null;
  const entry = header
    .split(',')
    .map((e) => e.trim())
    .find((e) => e.toLowerCase().startsWith('sha-256='));
  if (entry === undefined) return null;
  const m = /^sha-256=:([A-Za-z0-9+/]{43}=):$/i.exec(entry);
  if (m === null) {
    throw errors.validation('Content-Digest: sha-256 must be :<base64 of 32 bytes>: (RFC 9530)');
  }
  return Buffer.from(m[1] ?? '', 'base64').toString('hex');
}

/** Mode, key and atomic from the query, else the schema's; an upsert needs a key the schema has. */
function loadOptions(
  q: z.infer<typeof querySchema>,
  schema: TableSchema | null,
): JobOptions['load'] {
  const mode = q.mode ?? schema?.mode ?? 'append';
  const key = q.key ?? schema?.key ?? null;
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
  return { mode, key, atomic: q.atomic ?? schema?.atomic ?? false };
}

const firstValue = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

export interface OptionLimits {
  minChunkBytes: number;
}

/** Reads and validates the job's query options; the file name supplies the default table. */
export function parseJobOptions(
  req: Request,
  fileName: string | null,
  tenant: string,
  limits: OptionLimits,
  schema: JobSchema | null = null,
): JobOptions {
  const raw = Object.fromEntries(
    Object.entries(req.query).map(([k, v]) => [k, firstValue(v)] as const),
  );
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw errors.validation(`query parameter ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const q = parsed.data;
  if (q.chunk_size !== undefined && q.chunk_size < limits.minChunkBytes) {
    throw errors.validation(`chunk_size must be at least ${limits.minChunkBytes} bytes`);
  }
  const key = req.get('Idempotency-Key');
  if (key !== undefined && (key.length === 0 || key.length > 255)) {
    throw errors.validation('Idempotency-Key must be 1 to 255 characters');
  }
  const dialectOverrides: DialectOverrides = {};
  if (q.delimiter !== undefined) dialectOverrides.delimiter = q.delimiter;
  if (q.quote !== undefined) dialectOverrides.quote = q.quote;
  if (q.header !== undefined) dialectOverrides.header = q.header;
  if (q.encoding !== undefined) dialectOverrides.encoding = q.encoding;
  return {
    tenant,
    dialectOverrides,
    table: assertTableName(q.table ?? schema?.schema.table ?? tableNameFromFileName(fileName)),
    dataset: q.dataset ?? null,
    schema: schema?.schema ?? null,
    schemaSource: schema?.source ?? null,
    // The query parameter wins over the schema's own max_rejects.
    maxRejects: budgetColumns(parseRejectBudget(q.max_rejects ?? schema?.schema.max_rejects)),
    fileName,
    webhookUrl: q.webhook_url ?? null,
    idempotencyKey: key ?? null,
    chunkBytes: q.chunk_size ?? null,
    load: loadOptions(q, schema?.schema ?? null),
    dedupeContent: q.dedupe === 'content',
    declaredSha256: declaredSha256(req),
  };
}
