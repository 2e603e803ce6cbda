import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import type { KeyLimits } from './key-limits';

export interface ApiKeyInfo {
  id: string;
  tenant: string;
  label: string | null;
  limits: KeyLimits;
  createdAt: Date;
  revokedAt: Date | null;
}

interface ApiKeyRow {
  id: string;
  tenant: string;
  secret_sha256: Buffer;
  label: string | null;
  max_requests_per_minute: number | null;
  max_concurrent_uploads: number | null;
  max_upload_bytes: number | null;
  created_at: Date;
  revoked_at: Date | null;
}

const KEY_PATTERN = /^ingk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** The id and secret of a well-formed key `ingk_<12 hex>_<43 base64url>`, else null. */
export function parseApiKey(key: string): { id: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const [, id = '', secret = ''] = match;
  return { id, secret };
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

const toInfo = (row: ApiKeyRow): ApiKeyInfo => ({
  id: row.id,
  tenant: row.tenant,
  label: row.label,
  limits: {
    maxRequestsPerMinute: row.max_requests_per_minute,
    maxConcurrentUploads: row.max_concurrent_uploads,
    maxUploadBytes: row.max_upload_bytes,
  },
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

/**
 * API keys `ingk_<id>_<secret>`: the id finds the row, the secret (256 random
 * bits) is compared by hash in constant time. The full key is shown once.
 */
export class ApiKeyRepository {
  constructor(private readonly pool: Pool) {}

  async create(
    tenant: string,
    options: { label?: string; limits?: Partial<KeyLimits> } = {},
  ): Promise<{ key: string; info: ApiKeyInfo }> {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const { rows } = await this.pool.query<ApiKeyRow>(
      `INSERT INTO ingest.api_keys (id, tenant, secret_sha256, label, max_requests_per_minute,
         max_concurrent_uploads, max_upload_bytes)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        id,
        tenant,
        sha256(secret),
        options.label ?? null,
        options.limits?.maxRequestsPerMinute ?? null,
        options.limits?.maxConcurrentUploads ?? null,
        options.limits?.maxUploadBytes ?? null,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error('api key insert returned no row');
    return { key: `ingk_${id}_${secret}`, info: toInfo(row) };
  }

  /** The key's owner, or null for a malformed, unknown or revoked key. */
  async verify(key: string): Promise<ApiKeyInfo | null> {
    const parsed = parseApiKey(key);
    if (!parsed) return null;
    const { id, secret } = parsed;
    const { rows } = await this.pool.query<ApiKeyRow>(
      'SELECT * FROM ingest.api_keys WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return timingSafeEqual(row.secret_sha256, sha256(secret)) ? toInfo(row) : null;
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.pool.query(
      'UPDATE ingest.api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
      [id],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async list(tenant?: string): Promise<ApiKeyInfo[]> {
    const { rows } = await this.pool.query<ApiKeyRow>(
      `SELECT * FROM ingest.api_keys WHERE $1::text IS NULL OR tenant = $1 ORDER BY created_at`,
      [tenant ?? null],
    );
    return rows.map(toInfo);
  }
}
