import type { UploadLeases } from '@ingest/access';
import { errors } from '@ingest/errors';
import type { Response } from 'express';

/**
 * Holds one of the key's concurrent-upload slots until the response closes;
 * 429 TOO_MANY_UPLOADS when all `limit` of them are taken.
 */
export async function holdUploadSlot(
  leases: UploadLeases,
  keyId: string,
  limit: number,
  res: Response,
): Promise<void> {
  const lease = await leases.acquire(keyId, limit);
  if (!lease) throw errors.tooManyUploads(limit);
  res.once('close', () => void lease.release());
}
