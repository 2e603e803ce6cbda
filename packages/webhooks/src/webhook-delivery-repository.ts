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
  /** Attempts made by the schedule (not by hand): the position in NOTIFIER_SCHEDULE_MS. */
  scheduled_attempts: number;
  /** When the next scheduled attempt is due; null once delivered or failed. */
  next_attempt_at: Date | null;
  /** Why a failed delivery can no longer be sent; null otherwise. */
  failure_reason: string | null;
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
  /** Wait before the first attempt (NOTIFIER_SCHEDULE_MS[0]). */
  firstAttemptInMs: number;
}

/** A pending delivery and how long until its next attempt is due (by the database's clock). */
export interface DueDelivery {
  id: string;
  dueInMs: number;
}

export interface AttemptResult {
  manual: boolean;
  attemptedAt: Date;
  durationMs: number;
  httpStatus: number | null;
  error: string | null;
  /**
   * `delivered` on a 2xx; `failed` when the delivery can no longer be sent; `retrying`
   * otherwise. A delivery once delivered stays delivered (a later failed redelivery is in its
   * attempts); a hand-made attempt that fails leaves a pending delivery's schedule as it was.
   */
  outcome: 'delivered' | 'retrying' | 'failed';
  /** A scheduled attempt that is `retrying`: the wait before the next one. */
  retryInMs?: number;
  /** A `failed` outcome: why the delivery can no longer be sent. Default: `error`. */
  failureReason?: string;
}

/** The delivery's state after an attempt was recorded. */
export interface RecordedAttempt {
  status: WebhookDeliveryStatus;
  /** Attempts made by the schedule so far. */
  scheduledAttempts: number;
}

/** Milliseconds until a delivery's next attempt, by the database's clock (0 when overdue). */
const DUE_IN_MS = 'GREATEST(0, ceil(extract(epoch FROM next_attempt_at - now()) * 1000))::integer';

/** The delivery log: one row per message, one per attempt. */
export class WebhookDeliveryRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Inserts the delivery, its first attempt due after `firstAttemptInMs`, unless it exists
   * (a redelivered event): the first body and schedule win.
   */
  async create(d: NewWebhookDelivery): Promise<void> {
    await this.pool.query(
      `INSERT INTO ingest.webhook_deliveries
         (id, tenant, job_id, target, endpoint_id, url, event, body, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + $9 * interval '1 millisecond')
       ON CONFLICT (id) DO NOTHING`,
      [d.id, d.tenant, d.jobId, d.target, d.endpointId, d.url, d.event, d.body, d.firstAttemptInMs],
    );
  }

  /** Which of these deliveries are pending, and when their next attempt is due. */
  async pendingOf(ids: readonly string[]): Promise<DueDelivery[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<DueDelivery>(
      `SELECT id, ${DUE_IN_MS} AS "dueInMs" FROM ingest.webhook_deliveries
       WHERE id = ANY ($1::text[]) AND status = 'pending' AND next_attempt_at IS NOT NULL`,
      [ids],
    );
    return rows;
  }

  /** Pending deliveries whose next attempt is due now, the longest overdue first. */
  async due(limit: number): Promise<DueDelivery[]> {
    const { rows } = await this.pool.query<DueDelivery>(
      `SELECT id, ${DUE_IN_MS} AS "dueInMs" FROM ingest.webhook_deliveries
       WHERE status = 'pending' AND next_attempt_at <= now()
       ORDER BY next_attempt_at LIMIT $1`,
      [limit],
    );
    return rows;
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

  /**
   * Logs one attempt and moves the delivery's state, in one statement: a scheduled attempt
   * advances the schedule (`retrying` sets when the next one is due, from the database's
   * clock); `delivered` and `failed` end it. Null when there is no such delivery.
   */
  async recordAttempt(id: string, result: AttemptResult): Promise<RecordedAttempt | null> {
    const { rows } = await this.pool.query<RecordedAttempt>(
      `WITH d AS (
         UPDATE ingest.webhook_deliveries SET
           attempts = attempts + 1,
           scheduled_attempts = scheduled_attempts + CASE WHEN $3::boolean THEN 0 ELSE 1 END,
           status = CASE WHEN $2::text = 'delivered' THEN 'delivered'
                         WHEN $2::text = 'failed' AND status = 'pending' THEN 'failed'
                         ELSE status END,
           delivered_at = CASE WHEN $2::text = 'delivered' THEN now() ELSE delivered_at END,
           -- the right-hand sides read the row as it was before this update
           next_attempt_at = CASE
             WHEN $2::text <> 'retrying' OR status <> 'pending' THEN NULL
             WHEN $8::integer IS NULL THEN next_attempt_at
             ELSE now() + $8::integer * interval '1 millisecond' END,
           failure_reason = CASE
             WHEN $2::text = 'delivered' THEN NULL
             WHEN $2::text = 'failed' AND status = 'pending' THEN $9::text
             ELSE failure_reason END,
           updated_at = now()
         WHERE id = $1
         RETURNING attempts, status, scheduled_attempts),
       a AS (
         INSERT INTO ingest.webhook_attempts
           (delivery_id, number, manual, attempted_at, duration_ms, http_status, error)
         SELECT $1, d.attempts, $3::boolean, $4::timestamptz, $5::integer, $6::integer, $7::text
         FROM d)
       SELECT status, scheduled_attempts AS "scheduledAttempts" FROM d`,
      [
        id,
        result.outcome,
        result.manual,
        result.attemptedAt,
        Math.round(result.durationMs),
        result.httpStatus,
        result.error,
        result.retryInMs === undefined ? null : Math.round(result.retryInMs),
        result.failureReason ?? result.error,
      ],
    );
    return rows[0] ?? null;
  }
}
