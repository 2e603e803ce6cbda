import { DELIMITERS, ENCODINGS, LOAD_MODES, type DialectOverrides } from '@ingest/contracts';
import { errors } from '@ingest/errors';
import { identifierProblem, parseRejectBudget } from '@ingest/normalize';
import { assertTableName } from '@ingest/postgres';
import type { Request } from 'express';
import { z } from 'zod';
import type { Caller } from '../http/authenticate';
import { DATASET_NAME, DATASET_NAME_RULE } from '../http/id-patterns';
import { formatByteSize, parseByteSize } from '../http/byte-size';
import { parseQuery } from '../http/parse-input';
import { resolveLoad, type QueryLoad } from './load-options';

/**
 * A job upload as its URL and headers ask for it, read once before any byte
 * of the body. The schema (a dataset or a form field) and the file name are
 * found later; `resolveJobOptions` combines them with this into the job's options.
 */
export interface UploadRequest {
  tenant: string;
  /** The API key the upload counts against (its concurrent uploads). */
  keyId: string;
  /** `?table=`: wins over the schema's table and the file name. */
  table: string | null;
  webhookUrl: string | null;
  chunkBytes: number | null;
  dialectOverrides: DialectOverrides;
  /** `?dataset=`: the stored schema to load with. */
  dataset: string | null;
  /** `?max_rejects=` (a count or a share, already checked): wins over the schema's. */
  maxRejects: string | null;
  load: QueryLoad;
  /** `dedupe=content`: identical bytes into the same table return the earlier job. */
  dedupeContent: boolean;
  idempotencyKey: string | null;
  /** The SHA-256 (hex) the client declared in Content-Digest, checked against the bytes. */
  declaredSha256: string | null;
  limits: UploadLimits;
  /** The request's X-Request-Id (given or generated), recorded on the job. */
  requestId?: string;
}

export interface UploadLimits {
  /** The caller's upload size limit (a key may lower the deployment's). */
  maxUploadBytes: number;
  maxConcurrentUploads: number;
  /** The request's Content-Length, when it sent a valid one. */
  declaredBytes: number | undefined;
}

export interface UploadRequestLimits {
  /** The range a job's `chunk_size` must fall in (GATEWAY_MIN_CHUNK_BYTES, GATEWAY_MAX_CHUNK_BYTES). */
  minChunkBytes: number;
  maxChunkBytes: number;
}

const ENCODING_ALIASES: Record<string, string> = {
  utf8: 'utf-8',
  latin1: 'windows-1252',
  'iso-8859-1': 'windows-1252',
  cp1252: 'windows-1252',
  utf16le: 'utf-16le',
  utf16be: 'utf-16be',
};

/** Delimiters by name too, since a literal tab or pipe is awkward in a URL. */
const DELIMITER_NAMES: Record<string, string> = {
  comma: ',',
  semicolon: ';',
  tab: '\t',
  pipe: '|',
};

const trueOrFalse = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .transform((v) => v === 'true');

/** The query parameters of `POST /v1/jobs` and `PUT /v1/jobs/raw`. */
export const uploadQuery = z.object({
  delimiter: z
    .string()
    .transform((d) => DELIMITER_NAMES[d.toLowerCase()] ?? d)
    .pipe(
      z.enum(DELIMITERS, { message: 'must be one of , ; tab | (or comma, semicolon, tab, pipe)' }),
    )
    .optional(),
  quote: z.enum(['"', "'"], { message: 'must be " or \'' }).optional(),
  header: trueOrFalse.optional(),
  encoding: z
    .string()
    .transform((e) => ENCODING_ALIASES[e.toLowerCase()] ?? e.toLowerCase())
    .pipe(z.enum(ENCODINGS, { message: `must be one of ${ENCODINGS.join(', ')}` }))
    .optional(),
  table: z.string().min(1).optional(),
  // Scheme, syntax and address are checked by the SSRF guard (WEBHOOK_URL_FORBIDDEN).
  webhook_url: z.string().min(1).max(2048).optional(),
  chunk_size: z
    .string()
    .transform((v) => parseByteSize(v))
    .refine((v) => v !== null, { message: 'must be a size such as 33554432, 32MiB or 1GB' })
    .transform((v) => v ?? 0)
    .optional(),
  dataset: z.string().regex(DATASET_NAME, DATASET_NAME_RULE).optional(),
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
  atomic: trueOrFalse.optional(),
  dedupe: z.enum(['content', 'none'], { message: 'must be content or none' }).optional(),
});

/**
 * The SHA-256 a `Content-Digest: sha-256=:<base64>:` header (RFC 9530) declares, as hex;
 * null without one. Other algorithms are ignored, a malformed sha-256 entry is refused.
 */
export function declaredSha256(header: string | undefined): string | null {
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

/** The request's Content-Length, when it sent a valid one. */
function declaredLength(req: Request): number | undefined {
  const n = Number(req.get('Content-Length'));
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

const firstValue = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/** What the request says besides its options: its headers (or a tus creation's equivalents). */
export interface UploadRequestHeaders {
  idempotencyKey: string | null;
  /** `Content-Digest` as sent (RFC 9530), checked after the options. */
  contentDigest: string | undefined;
  /** The upload's size when the request declares it. */
  declaredBytes: number | undefined;
}

/**
 * Reads and checks an upload's query and headers (400 VALIDATION_FAILED or
 * INVALID_TABLE_NAME naming the first problem), so that a bad option is
 * refused before anything is stored.
 */
export function parseUploadRequest(
  req: Request,
  caller: Caller,
  limits: UploadRequestLimits,
): UploadRequest {
  const raw = Object.fromEntries(
    Object.entries(req.query).map(([k, v]) => [k, firstValue(v)] as const),
  );
  const headers: UploadRequestHeaders = {
    idempotencyKey: req.get('Idempotency-Key') ?? null,
    contentDigest: req.get('Content-Digest'),
    declaredBytes: declaredLength(req),
  };
  return parseUploadOptions(raw, headers, caller, limits);
}

/**
 * Checks a job upload's options, given as text by name — the query parameters
 * of POST /v1/jobs, or the Upload-Metadata of a tus creation (`what` names
 * them in errors) — exactly alike.
 */
export function parseUploadOptions(
  raw: Record<string, unknown>,
  headers: UploadRequestHeaders,
  caller: Caller,
  limits: UploadRequestLimits,
  what = 'query parameter',
): UploadRequest {
  const q = parseQuery(uploadQuery, raw, what);
  const { minChunkBytes: min, maxChunkBytes: max } = limits;
  if (q.chunk_size !== undefined && (q.chunk_size < min || q.chunk_size > max)) {
    throw errors.validation(
      `chunk_size must be between ${formatByteSize(min)} and ${formatByteSize(max)}, not ${formatByteSize(q.chunk_size)}`,
    );
  }
  const { idempotencyKey } = headers;
  if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > 255)) {
    throw errors.validation('Idempotency-Key must be 1 to 255 characters');
  }
  const dialectOverrides: DialectOverrides = {};
  if (q.delimiter !== undefined) dialectOverrides.delimiter = q.delimiter;
  if (q.quote !== undefined) dialectOverrides.quote = q.quote;
  if (q.header !== undefined) dialectOverrides.header = q.header;
  if (q.encoding !== undefined) dialectOverrides.encoding = q.encoding;
  const table = q.table === undefined ? null : assertTableName(q.table);
  const load: QueryLoad = { mode: q.mode ?? null, key: q.key ?? null, atomic: q.atomic ?? null };
  // Checked on the options alone, before any schema is known: mode=upsert needs key= beside it.
  resolveLoad(load, null);
  return {
    tenant: caller.tenant,
    keyId: caller.keyId,
    table,
    webhookUrl: q.webhook_url ?? null,
    chunkBytes: q.chunk_size ?? null,
    dialectOverrides,
    dataset: q.dataset ?? null,
    maxRejects: q.max_rejects ?? null,
    load,
    dedupeContent: q.dedupe === 'content',
    idempotencyKey,
    declaredSha256: declaredSha256(headers.contentDigest),
    limits: {
      maxUploadBytes: caller.limits.maxUploadBytes,
      maxConcurrentUploads: caller.limits.maxConcurrentUploads,
      declaredBytes: headers.declaredBytes,
    },
  };
}
