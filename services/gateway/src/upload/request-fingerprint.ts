import { createHash } from 'node:crypto';
import type { UploadRequest } from './upload-request';

/**
 * SHA-256 (hex) of what an upload asks for besides its body: the table, load
 * options, dialect, chunk size, dataset, reject budget, callback and dedupe
 * setting, in a fixed order. Kept with the job's Idempotency-Key, so a retry is
 * recognised as the same request and another request under the same key is
 * refused (IDEMPOTENCY_KEY_REUSED). The body is compared by its SHA-256.
 */
export function requestFingerprint(request: UploadRequest): string {
  const d = request.dialectOverrides;
  const canonical = JSON.stringify([
    request.table,
    request.load.mode,
    request.load.key,
    request.load.atomic,
    d.delimiter ?? null,
    d.quote ?? null,
    d.header ?? null,
    d.encoding ?? null,
    request.chunkBytes,
    request.dataset,
    request.maxRejects,
    request.webhookUrl,
    request.dedupeContent,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
