import type { JobEventType } from '@ingest/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { SecretBox } from './secret-box';

/** A tenant's registered webhook endpoint, without its secret. */
export interface WebhookEndpoint {
  id: string;
  tenant: string;
  url: string;
  events: JobEventType[];
  created_at: Date;
}

export interface NewWebhookEndpoint {
  tenant: string;
  url: string;
  events: readonly JobEventType[];
}

const COLUMNS = 'id, tenant, url, events, created_at';

/** The failure reason of a delivery whose endpoint is gone. */
export const ENDPOINT_DELETED = 'the endpoint was deleted';

/** The secret's additional data: a sealed secret opens only on its own row. */
const sealContext = (id: string) => `webhook_endpoint:${id}`;

/**
 * Registered endpoints, always read and changed within one tenant. The signing
 * secret is generated here, returned once by `create`, and stored sealed.
 */
export class WebhookEndpointRepository {
  constructor(
    private readonly pool: Pool,
    private readonly box: SecretBox,
  ) {}

  /** Registers the endpoint; the returned `secret` is never readable through this API again. */
  async create(input: NewWebhookEndpoint): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const id = randomUUID();
    // 32 random bytes: Standard Webhooks asks for 24 to 64.
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const { rows } = await this.pool.query<WebhookEndpoint>(
      `INSERT INTO ingest.webhook_endpoints (id, tenant, url, events, secret_sealed)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [id, input.tenant, input.url, input.events, this.box.seal(secret, sealContext(id))],
    );
    const endpoint = rows[0];
    if (!endpoint) throw new Error('webhook endpoint insert returned no row');
    return { endpoint, secret };
  }

  async list(tenant: string): Promise<WebhookEndpoint[]> {
    const { rows } = await this.pool.query<WebhookEndpoint>(
      `SELECT ${COLUMNS} FROM ingest.webhook_endpoints WHERE tenant = $1
       ORDER BY created_at DESC, id DESC`,
      [tenant],
    );
    return rows;
  }

  /** Null for an unknown id and for another tenant's endpoint alike. */
  async get(tenant: string, id: string): Promise<WebhookEndpoint | null> {
    const { rows } = await this.pool.query<WebhookEndpoint>(
      `SELECT ${COLUMNS} FROM ingest.webhook_endpoints WHERE tenant = $1 AND id = $2`,
      [tenant, id],
    );
    return rows[0] ?? null;
  }

  /**
   * False when the tenant has no such endpoint. Its delivery log stays; its pending
   * deliveries end `failed` in the same statement, since nothing can sign them any more.
   */
  async delete(tenant: string, id: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ deleted: boolean }>(
      `WITH gone AS (
         DELETE FROM ingest.webhook_endpoints WHERE tenant = $1 AND id = $2 RETURNING id),
       ended AS (
         UPDATE ingest.webhook_deliveries
         SET status = 'failed', failure_reason = $3, next_attempt_at = NULL, updated_at = now()
         WHERE endpoint_id IN (SELECT id FROM gone) AND status = 'pending')
       SELECT EXISTS (SELECT 1 FROM gone) AS deleted`,
      [tenant, id, ENDPOINT_DELETED],
    );
    return rows[0]?.deleted === true;
  }

  /** The tenant's endpoints that want `event`. */
  async subscribedTo(tenant: string, event: JobEventType): Promise<WebhookEndpoint[]> {
    const { rows } = await this.pool.query<WebhookEndpoint>(
      `SELECT ${COLUMNS} FROM ingest.webhook_endpoints WHERE tenant = $1 AND $2 = ANY (events)
       ORDER BY created_at, id`,
      [tenant, event],
    );
    return rows;
  }

  /** The opened signing secret (for the notifier only); null once the endpoint is deleted. */
  async signingSecret(id: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ secret_sealed: string }>(
      'SELECT secret_sealed FROM ingest.webhook_endpoints WHERE id = $1',
      [id],
    );
    const sealed = rows[0]?.secret_sealed;
    return sealed === undefined ? null : this.box.open(sealed, sealContext(id));
  }
}
