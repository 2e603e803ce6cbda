import type { JobEventType } from '@ingest/contracts';
import type { Pool } from 'pg';

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';
/** The job's own `webhook_url` (global secret) or a registered endpoint (its own secret). */
export type WebhookTarget = 'job' | 'endpoint';

export interface WebhookDeliveryRecord {
  /** The Standard Webhooks `webhook-id`: one per message, the same on every attempt. */
  id: string;
  tenant: string;
  job_id: string;
  target: WebhookTarget;
  /** Null for the job's own URL, and once the endpoint has been deleted. */
  endpoint_id: string | null;
  url: string;
  event: JobEventType;
  body: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

export interface WebhookAttemptRecord {
  delivery_id: string;
  /** 1-based, in the order attempts were made. */
  number: number;
  /** Asked for by hand (redeliver), not part of the retry schedule. */
  manual: boolean;
  attempted_at: Date;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
}

export interface NewWebhookDelivery {
  id: string;
  tenant: string;
  jobId: string;
  target: WebhookTarget;
  endpointId: string | null;
  url: string;
  event: JobEventType;
  body: string;
}

export interface AttemptResult {
  manual: boolean;
  attemptedAt: Date;
  durationMs: number;
  httpStatus: number | null;
  error: string | null;
  /**
   * `delivered` on a 2xx; `failed` when no attempt will follow; `retrying` otherwise.
   * A delivery once delivered stays delivered (a later failed redelivery is in its attempts).
   */
  outcome: 'delivered' | 'retrying' | 'failed';
}

/** The delivery log: one row per message, one per attempt. */
export class WebhookDeliveryRepository {
  constructor(private readonly pool: Pool) {}

  /** Inserts the delivery unless it exists (a redelivered event): the first body wins. */
  async create(d: NewWebhookDelivery): Promise<void> {
    await this.pool.query(
      `INSERT INTO ingest.webhook_deliveries
         (id, tenant, job_id, target, endpoint_id, url, event, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO NOTHING`,
      [d.id, d.tenant, d.jobId, d.target, d.endpointId, d.url, d.event, d.body],
    );
  }

  /** Any tenant's delivery: for the notifier, which acts on ids it queued itself. */
  async get(id: string): Promise<WebhookDeliveryRecord | null> {
    const { rows } = await this.pool.query<WebhookDeliveryRecord>(
      'SELECT * FROM ingest.webhook_deliveries WHERE id = $1',
      [id],
    );
    return rows[0] ?? null;
  }

  /** Null for an unknown id and for another tenant's delivery alike. */
  async find(tenant: string, id: string): Promise<WebhookDeliveryRecord | null> {
    const { rows } = await this.pool.query<WebhookDeliveryRecord>(
      'SELECT * FROM ingest.webhook_deliveries WHERE tenant = $1 AND id = $2',
      [tenant, id],
    );
    return rows[0] ?? null;
  }

  /** The tenant's deliveries, newest first, optionally of one job. */
  async list(
    tenant: string,
    options: { jobId?: string; limit: number },
  ): Promise<WebhookDeliveryRecord[]> {
    const { rows } = await this.pool.query<WebhookDeliveryRecord>(
      `SELECT * FROM ingest.webhook_deliveries
       WHERE tenant = $1 AND ($2::uuid IS NULL OR job_id = $2)
       ORDER BY created_at DESC, id DESC
       LIMIT $3`,
      [tenant, options.jobId ?? null, options.limit],
    );
    return rows;
  }

  /** Every attempt of these deliveries, oldest first, grouped by delivery id. */
  async attemptsOf(ids: readonly string[]): Promise<Map<string, WebhookAttemptRecord[]>> {
    const grouped = new Map<string, WebhookAttemptRecord[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return grouped;
    const { rows } = await this.pool.query<WebhookAttemptRecord>(
      `SELECT * FROM ingest.webhook_attempts WHERE delivery_id = ANY ($1::text[])
       ORDER BY delivery_id, number`,
      [ids],
    );
    for (const row of rows) grouped.get(row.delivery_id)?.push(row);
    return grouped;
  }

  /** Logs one attempt and moves the delivery's status, in one statement. */
  async recordAttempt(id: string, result: AttemptResult): Promise<void> {
    await this.pool.query(
      `WITH d AS (
         UPDATE ingest.webhook_deliveries SET
           attempts = attempts + 1,
           status = CASE WHEN $2::text = 'delivered' THEN 'delivered'
                         WHEN $2::text = 'failed' AND status <> 'delivered' THEN 'failed'
                         ELSE status END,
           delivered_at = CASE WHEN $2::text = 'delivered' THEN now() ELSE delivered_at END,
           updated_at = now()
         WHERE id = $1
         RETURNING attempts)
       INSERT INTO ingest.webhook_attempts
         (delivery_id, number, manual, attempted_at, duration_ms, http_status, error)
       SELECT $1, d.attempts, $3::boolean, $4::timestamptz, $5::integer, $6::integer, $7::text
       FROM d`,
      [
        id,
        result.outcome,
        result.manual,
        result.attemptedAt,
        Math.round(result.durationMs),
        result.httpStatus,
        result.error,
      ],
    );
  }
}
