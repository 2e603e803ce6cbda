import { errors } from '@ingest/errors';
import { parseTableSchema } from '@ingest/normalize';
import { Metadata } from '@tus/utils';
import type { Request } from 'express';
import type { Caller } from '../http/authenticate';
import type { JobSchema } from '../upload/job-options';
import {
  parseUploadOptions,
  type UploadRequest,
  type UploadRequestLimits,
} from '../upload/upload-request';

/** A tus creation (POST /v1/uploads) as its headers ask for it, checked before any byte. */
export interface CreationRequest {
  request: UploadRequest;
  length: number;
  fileName: string | null;
  schema: JobSchema | null;
  /** The Upload-Metadata as sent, decoded. */
  metadata: Record<string, string | null>;
}

/** Metadata keys that are not job options: what clients commonly send about the file. */
const FILE_KEYS = new Set(['filename', 'filetype', 'schema', 'content_digest']);

/**
 * Reads a tus creation: `Upload-Length` (a deferred length is not offered)
 * and `Upload-Metadata` — `filename`, `schema` (JSON), `content_digest`
 * (RFC 9530, `sha-256=:…:`) and every option POST /v1/jobs takes as a query
 * parameter, checked exactly alike (400 VALIDATION_FAILED naming the key).
 */
export function parseCreationRequest(
  req: Request,
  caller: Caller,
  limits: UploadRequestLimits,
): CreationRequest {
  const lengthHeader = req.get('Upload-Length');
  if (lengthHeader === undefined) {
    throw errors.validation('Upload-Length is required (a deferred length is not supported)');
  }
  if (!/^\d{1,16}$/.test(lengthHeader)) {
    throw errors.validation('Upload-Length must be a whole number of bytes');
  }
  const length = Number(lengthHeader);
  if (length === 0) throw errors.emptyFile();
  if (length > caller.limits.maxUploadBytes) {
    throw errors.uploadTooLarge(caller.limits.maxUploadBytes);
  }
  let metadata: Record<string, string | null>;
  try {
    metadata = Metadata.parse(req.get('Upload-Metadata') ?? undefined) ?? {};
  } catch {
    throw errors.validation(
      'Upload-Metadata must be comma-separated pairs of a key and its base64 value',
    );
  }
  const options = Object.fromEntries(
    Object.entries(metadata)
      .filter(([k]) => !FILE_KEYS.has(k))
      .map(([k, v]) => [k, v ?? ''] as const),
  );
  const request = parseUploadOptions(
    options,
    {
      idempotencyKey: null,
      contentDigest: metadata.content_digest ?? undefined,
      declaredBytes: length,
    },
    caller,
    limits,
    'Upload-Metadata key',
  );
  return {
    request,
    length,
    fileName: metadata.filename ?? null,
    schema: parseSchema(metadata.schema),
    metadata,
  };
}

function parseSchema(raw: string | null | undefined): JobSchema | null {
  if (raw === undefined || raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw errors.validation('Upload-Metadata key schema: must be a table schema as JSON');
  }
  return { schema: parseTableSchema(value), source: 'declared' };
}
