import type {
  Dialect,
  DialectOverrides,
  JobStatus,
  JobView,
  LoadMode,
  LoadPlan,
} from '@ingest/contracts';
import type { Pool, PoolClient } from 'pg';
import { dropWorkTables, dropWorkTablesIn, publishStaged } from './load-plan';

export interface JobRecord {
  id: string;
  tenant: string;
  idempotency_key: string | null;
  status: JobStatus;
  table_name: string;
  file_name: string | null;
  object_key: string;
  /** The upload is stored as segments `<object_key>/<n>` of this size (null: one object). */
  segment_bytes: number | null;
  bytes: number;
  sha256: string | null;
  chunk_bytes: number | null;
  webhook_url: string | null;
  dialect: Dialect | null;
  dialect_overrides: DialectOverrides;
  source_key: string | null;
  bytes_scanned: number | null;
  columns: string[] | null;
  chunks_total: number | null;
  records_found: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  announced_at: Date | null;
  planned_at: Date | null;
  loading_at: Date | null;
  /** The table schema the job loads with (a TableSchema from @ingest/normalize, as JSON). */
  schema: unknown;
  schema_source: SchemaSource | null;
  max_rejects_count: number | null;
  max_rejects_ratio: number | null;
  header_raw: Buffer | null;
  load_mode: LoadMode;
  load_key: string[] | null;
  atomic: boolean;
  /** Chosen by the splitter before the first chunk; null until then. */
  load_plan: LoadPlan | null;
}

export type SchemaSource = 'declared' | 'dataset' | 'inferred';

export interface NewJob {
  id: string;
  tenant: string;
  idempotencyKey: string | null;
  status: JobStatus;
  table: string;
  fileName: string | null;
  objectKey: string;
  segmentBytes?: number | null;
  bytes: number;
  sha256: string;
  chunkBytes: number | null;
  webhookUrl: string | null;
  dialectOverrides: DialectOverrides;
  schema?: unknown;
  schemaSource?: SchemaSource | null;
  maxRejects?: { count: number | null; ratio: number | null };
  load?: { mode: LoadMode; key: string[] | null; atomic: boolean };
}

export interface JobProgress {
  chunksDone: number;
  rowsLoaded: number;
  rowsRejected: number;
  /** The ledger's committed chunks (the counters above include exactly these). */
  chunkIndexes?: number[];
  /** Bytes of the committed chunks' ranges. */
  bytesDone?: number;
  /** The most frequent reject reasons (at most five). */
  rejectsTop?: { code: string; count: number }[];
}

const NOT_TERMINAL = 'ingest.status_rank(status) < 100';

/** The tenant's ($1) job for content $2 into table $3 (see findSameContent). */
const SAME_CONTENT = `SELECT * FROM ingest.jobs
  WHERE tenant = $1 AND sha256 = $2 AND table_name = $3 AND status NOT IN ('failed', 'cancelled')
  ORDER BY status = 'completed' DESC, created_at DESC LIMIT 1`;

/** The reject budget (count, or share of the rows accounted for) against the ledger totals `agg`. */
const OVER_BUDGET = `(j.max_rejects_count IS NOT NULL AND agg.rejected > j.max_rejects_count)
  OR (j.max_rejects_ratio IS NOT NULL AND agg.accounted > 0
      AND agg.rejected::float8 / agg.accounted > j.max_rejects_ratio)`;

/** Ledger totals of job $1, and the verdict a finished job gets from them. */
const FINISH_CTES = `WITH agg AS (
    SELECT count(*)::int AS chunks,
           coalesce(sum(rows_loaded), 0) + coalesce(sum(rows_rejected), 0) AS accounted,
           coalesce(sum(rows_rejected), 0) AS rejected
    FROM ingest.chunk_ledger WHERE job_id = $1),
  verdict AS (
    SELECT CASE
      WHEN agg.accounted <> j.records_found THEN 'RECONCILIATION_MISMATCH'
      WHEN ${OVER_BUDGET} THEN 'REJECT_BUDGET_EXCEEDED'
    END AS code
    FROM agg, ingest.jobs j WHERE j.id = $1)`;

/** Whether job $1 has every chunk in the ledger, and the verdict (null: completed). */
const VERDICT = `${FINISH_CTES}
  SELECT j.chunks_total IS NOT NULL AND agg.chunks >= j.chunks_total AS ready, verdict.code
  FROM agg, verdict, ingest.jobs j WHERE j.id = $1`;

/**
 * Ends job $1 once every planned chunk is in the ledger: `completed` when the
 * ledger accounts for every record the splitter found, `failed` with
 * RECONCILIATION_MISMATCH (or REJECT_BUDGET_EXCEEDED) otherwise. One statement,
 * so exactly one caller wins. Callers add conditions and RETURNING.
 */
const FINISH = `${FINISH_CTES}
  UPDATE ingest.jobs j SET
    status = CASE WHEN verdict.code IS NULL THEN 'completed' ELSE 'failed' END,
    error_code = verdict.code,
    error_message = CASE verdict.code
      WHEN 'RECONCILIATION_MISMATCH' THEN
        format('the splitter found %s records but loaders accounted for %s (loaded + rejected)',
               j.records_found, agg.accounted)
      WHEN 'REJECT_BUDGET_EXCEEDED' THEN
        format('%s of %s rows were rejected, more than max_rejects allows (%s)',
               agg.rejected, agg.accounted,
               coalesce(j.max_rejects_count::text, (j.max_rejects_ratio * 100)::text || '%'))
    END,
    completed_at = now(), updated_at = now()
  FROM agg, verdict
  WHERE j.id = $1 AND j.chunks_total IS NOT NULL AND agg.chunks >= j.chunks_total
    AND ingest.status_rank(j.status) < 100`;

/** The error with a note of what was being done, its SQLSTATE kept (so it classifies the same). */
function withContext(e: unknown, doing: string): Error {
  const message = e instanceof Error ? e.message : String(e);
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  return Object.assign(new Error(`${doing}: ${message}`, { cause: e }), { code });
}

/** The durable job record and its ledger-derived progress. */
export class JobRepository {
  constructor(private readonly pool: Pool) {}

  /** Inserts the job; with an idempotency key already used by the tenant, returns that job instead. */
  async create(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    return this.insert(this.pool, job);
  }

  /**
   * The tenant's job for the same content (SHA-256) into the same table that
   * loaded or is loading it: completed first, else the newest one still in
   * progress. Failed and cancelled jobs do not count: their content may be loaded again.
   */
  async findSameContent(tenant: string, sha256: string, table: string): Promise<JobRecord | null> {
    const { rows } = await this.pool.query<JobRecord>(SAME_CONTENT, [tenant, sha256, table]);
    return rows[0] ?? null;
  }

  /**
   * create() unless the tenant already has a job for this content into this
   * table (see findSameContent), decided under a lock on (tenant, content,
   * table) so two identical uploads at once still make one job.
   */
  async createUnlessSameContent(
    job: NewJob,
  ): Promise<{ job: JobRecord; created: boolean; sameContent: boolean }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('ingest.content:' || $1))`, [
        `${job.tenant}/${job.sha256}/${job.table}`,
      ]);
      const { rows } = await client.query<JobRecord>(SAME_CONTENT, [
        job.tenant,
        job.sha256,
        job.table,
      ]);
      const earlier = rows[0];
      if (earlier && earlier.id !== job.id) {
        await client.query('COMMIT');
        return { job: earlier, created: false, sameContent: true };
      }
      const created = await this.insert(client, job);
      await client.query('COMMIT');
      return { ...created, sameContent: false };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  private async insert(
    db: Pool | PoolClient,
    job: NewJob,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const inserted = await db.query<JobRecord>(
      `INSERT INTO ingest.jobs (id, tenant, idempotency_key, status, table_name, file_name,
         object_key, bytes, sha256, chunk_bytes, webhook_url, dialect_overrides,
         schema, schema_source, max_rejects_count, max_rejects_ratio, load_mode, load_key, atomic,
         segment_bytes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
               $17, $18, $19, $20)
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [
        job.id,
        job.tenant,
        job.idempotencyKey,
        job.status,
        job.table,
        job.fileName,
        job.objectKey,
        job.bytes,
        job.sha256,
        job.chunkBytes,
        job.webhookUrl,
        JSON.stringify(job.dialectOverrides),
        job.schema === undefined || job.schema === null ? null : JSON.stringify(job.schema),
        job.schemaSource ?? null,
        job.maxRejects?.count ?? null,
        job.maxRejects?.ratio ?? null,
        job.load?.mode ?? 'append',
        job.load?.key ?? null,
        job.load?.atomic ?? false,
        job.segmentBytes ?? null,
      ],
    );
    const row = inserted.rows[0];
    if (row) return { job: row, created: true };
    // A retry after a lost connection: our first insert may have committed after all.
    const byId = await db.query<JobRecord>('SELECT * FROM ingest.jobs WHERE id = $1', [job.id]);
    const ours = byId.rows[0];
    if (ours) return { job: ours, created: true };
    const byKey = await db.query<JobRecord>(
      'SELECT * FROM ingest.jobs WHERE tenant = $1 AND idempotency_key = $2',
      [job.tenant, job.idempotencyKey ?? ''],
    );
    const existing = byKey.rows[0];
    if (!existing) throw new Error('idempotency conflict without an existing job');
    return { job: existing, created: false };
  }

  async findByIdempotencyKey(tenant: string, key: string): Promise<JobRecord | null> {
    const { rows } = await this.pool.query<JobRecord>(
      'SELECT * FROM ingest.jobs WHERE tenant = $1 AND idempotency_key = $2',
      [tenant, key],
    );
    return rows[0] ?? null;
  }

  async get(id: string): Promise<JobRecord | null> {
    const { rows } = await this.pool.query<JobRecord>('SELECT * FROM ingest.jobs WHERE id = $1', [
      id,
    ]);
    return rows[0] ?? null;
  }

  /** Removes a job that never became visible (its publish failed). */
  async delete(id: string): Promise<void> {
    await this.pool.query('DELETE FROM ingest.jobs WHERE id = $1', [id]);
  }

  /** Moves the job forward to `status`; a repeat or a step backwards changes nothing (returns null). */
  async advance(id: string, status: JobStatus): Promise<JobRecord | null> {
    const { rows } = await this.pool.query<JobRecord>(
      `UPDATE ingest.jobs SET status = $2, updated_at = now(),
         loading_at = CASE WHEN $2 = 'loading' THEN coalesce(loading_at, now()) ELSE loading_at END
       WHERE id = $1 AND ingest.status_rank(status) < ingest.status_rank($2)
       RETURNING *`,
      [id, status],
    );
    return rows[0] ?? null;
  }

  /** Stores the sniffed dialect and the target columns once the header is known. */
  async recordLayout(id: string, dialect: Dialect, columns: string[]): Promise<void> {
    await this.pool.query(
      `UPDATE ingest.jobs SET dialect = $2, columns = $3, updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(dialect), columns],
    );
  }

  /** Stores the schema the job loads with (an inferred one replaces nothing declared). */
  async recordSchema(
    id: string,
    schema: unknown,
    source: SchemaSource,
    headerRaw: Buffer | null,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE ingest.jobs SET schema = $2, schema_source = $3, header_raw = $4, updated_at = now()
       WHERE id = $1`,
      [id, JSON.stringify(schema), source, headerRaw],
    );
  }

  /** Records where the job's rows go (and the key an inferred schema now carries). */
  async recordLoadPlan(id: string, plan: LoadPlan): Promise<void> {
    await this.pool.query(
      `UPDATE ingest.jobs SET load_plan = $2, updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(plan)],
    );
  }

  /** Records the plain UTF-8 object that chunks are cut from (decompressed or transcoded). */
  async recordSource(id: string, sourceKey: string): Promise<void> {
    await this.pool.query(
      `UPDATE ingest.jobs SET source_key = $2, updated_at = now() WHERE id = $1`,
      [id, sourceKey],
    );
  }

  /** Records the plan's totals and moves the job to `planned` (unless loading already moved it further). */
  async finishPlanning(
    id: string,
    chunksTotal: number,
    recordsFound: number,
    bytesScanned: number,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE ingest.jobs SET chunks_total = $2, records_found = $3, bytes_scanned = $4,
         planned_at = coalesce(planned_at, now()),
         updated_at = now(),
         status = CASE WHEN ingest.status_rank(status) < ingest.status_rank('planned')
                       THEN 'planned' ELSE status END
       WHERE id = $1 AND ${NOT_TERMINAL}`,
      [id, chunksTotal, recordsFound, bytesScanned],
    );
  }

  /** Cancels a live job; returns null if it had already ended. */
  async cancel(id: string): Promise<JobRecord | null> {
    const { rows } = await this.pool.query<JobRecord>(
      `UPDATE ingest.jobs SET status = 'cancelled', completed_at = now(), updated_at = now()
       WHERE id = $1 AND ${NOT_TERMINAL}
       RETURNING *`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * A tenant's jobs, newest first, after an opaque cursor (the last page's
   * final `created_at` and `id`), optionally of one status.
   */
  async list(
    tenant: string,
    options: { status?: JobStatus; limit: number; after?: { createdAt: Date; id: string } },
  ): Promise<JobRecord[]> {
    const { rows } = await this.pool.query<JobRecord>(
      `SELECT * FROM ingest.jobs
       WHERE tenant = $1 AND ($2::text IS NULL OR status = $2)
         AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
       ORDER BY created_at DESC, id DESC
       LIMIT $5`,
      [
        tenant,
        options.status ?? null,
        options.after?.createdAt ?? null,
        options.after?.id ?? null,
        options.limit,
      ],
    );
    return rows;
  }

  /** Fails a live job; returns null if it had already ended (the first outcome wins). */
  async fail(id: string, code: string, message: string): Promise<JobRecord | null> {
    const { rows } = await this.pool.query<JobRecord>(
      `UPDATE ingest.jobs SET status = 'failed', error_code = $2, error_message = $3,
         completed_at = now(), updated_at = now()
       WHERE id = $1 AND ${NOT_TERMINAL}
       RETURNING *`,
      [id, code, message],
    );
    return rows[0] ?? null;
  }

  /**
   * Ends the job once every planned chunk is in the ledger (see FINISH); each
   * loader calls it after its own commit, so the last commit always sees all.
   */
  async tryFinish(id: string): Promise<JobRecord | null> {
    const { rows } = await this.pool.query<JobRecord>(
      `${FINISH} AND (j.load_plan IS NULL OR j.load_plan->>'kind' <> 'staged') RETURNING j.*`,
      [id],
    );
    return rows[0] ?? this.tryPublish(id);
  }

  /**
   * tryFinish for a staged job: in one transaction, with the job row locked
   * (so one finisher publishes), the verdict is taken, the staged rows are
   * published into the target if it is `completed`, the job is ended, and the
   * stage dropped. A failed verdict leaves the target untouched.
   */
  private async tryPublish(id: string): Promise<JobRecord | null> {
    // Most calls come before the last chunk: answer those without a transaction.
    const early = await this.pool.query<{ ready: boolean }>(VERDICT, [id]);
    if (early.rows[0]?.ready !== true) return null;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // NO KEY UPDATE: finishers queue behind each other, but not behind loaders, whose
      // open transactions hold KEY SHARE on the job row (the ledger's foreign key).
      const locked = await client.query<JobRecord>(
        `SELECT * FROM ingest.jobs
         WHERE id = $1 AND load_plan->>'kind' = 'staged' AND chunks_total IS NOT NULL
           AND ${NOT_TERMINAL}
         FOR NO KEY UPDATE`,
        [id],
      );
      const job = locked.rows[0];
      const verdict = job
        ? await client.query<{ ready: boolean; code: string | null }>(VERDICT, [id])
        : null;
      const ready = verdict?.rows[0]?.ready === true;
      if (!job || !ready || job.load_plan?.kind !== 'staged') {
        await client.query('ROLLBACK');
        return null;
      }
      if (verdict?.rows[0]?.code === null) {
        try {
          await publishStaged(client, job.load_plan, job.table_name, job.columns ?? []);
        } catch (e) {
          throw withContext(e, `publishing the job's rows into "${job.table_name}"`);
        }
      }
      const ended = await client.query<JobRecord>(`${FINISH} RETURNING j.*`, [id]);
      await dropWorkTablesIn(client, id);
      await client.query('COMMIT');
      return ended.rows[0] ?? null;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  /** Drops the work tables of an ended job (stage, claims); see load-plan.ts. */
  async dropWorkTables(id: string): Promise<void> {
    await dropWorkTables(this.pool, id);
  }

  /** A job that ended but whose terminal event was never confirmed published. */
  async findUnannounced(id: string): Promise<JobRecord | null> {
    const { rows } = await this.pool.query<JobRecord>(
      `SELECT * FROM ingest.jobs
       WHERE id = $1 AND ingest.status_rank(status) = 100 AND announced_at IS NULL`,
      [id],
    );
    return rows[0] ?? null;
  }

  async markAnnounced(id: string): Promise<void> {
    await this.pool.query('UPDATE ingest.jobs SET announced_at = now() WHERE id = $1', [id]);
  }

  /** Rows loaded + rejected and rows rejected so far, from the ledger (committed chunks only). */
  async rejectTotals(id: string): Promise<{ accounted: number; rejected: number }> {
    const { rows } = await this.pool.query<{ accounted: string; rejected: string }>(
      `SELECT coalesce(sum(rows_loaded + rows_rejected), 0) AS accounted,
              coalesce(sum(rows_rejected), 0) AS rejected
       FROM ingest.chunk_ledger WHERE job_id = $1`,
      [id],
    );
    return { accounted: Number(rows[0]?.accounted ?? 0), rejected: Number(rows[0]?.rejected ?? 0) };
  }

  async progress(id: string): Promise<JobProgress> {
    const { rows } = await this.pool.query<{
      chunks: number;
      loaded: number;
      rejected: number;
      indexes: number[];
      bytes: number;
    }>(
      `SELECT count(*)::int AS chunks, coalesce(sum(rows_loaded), 0)::bigint AS loaded,
              coalesce(sum(rows_rejected), 0)::bigint AS rejected,
              coalesce(array_agg(chunk_index), '{}') AS indexes,
              coalesce(sum(bytes), 0)::bigint AS bytes
       FROM ingest.chunk_ledger WHERE job_id = $1`,
      [id],
    );
    const row = rows[0];
    const top = await this.pool.query<{ code: string; count: number }>(
      `SELECT code, count(*)::int AS count FROM ingest.rejects WHERE job_id = $1
       GROUP BY code ORDER BY count(*) DESC, code LIMIT 5`,
      [id],
    );
    return {
      rejectsTop: top.rows,
      chunksDone: row?.chunks ?? 0,
      rowsLoaded: row?.loaded ?? 0,
      rowsRejected: row?.rejected ?? 0,
      chunkIndexes: row?.indexes ?? [],
      bytesDone: row?.bytes ?? 0,
    };
  }
}

/** The public view of a job from its durable record and progress. */
export function toJobView(job: JobRecord, progress: JobProgress): JobView {
  const view: JobView = {
    id: job.id,
    tenant: job.tenant,
    status: job.status,
    table: job.table_name,
    file_name: job.file_name,
    bytes: job.bytes,
    bytes_scanned: job.bytes_scanned,
    sha256: job.sha256,
    dialect: job.dialect,
    chunks: { total: job.chunks_total, done: progress.chunksDone },
    records: job.records_found,
    rows: { loaded: progress.rowsLoaded, rejected: progress.rowsRejected },
    progress: { bytes_done: progress.bytesDone ?? 0, eta_seconds: null },
    timings: {
      stored_at: job.created_at.toISOString(),
      planned_at: job.planned_at?.toISOString() ?? null,
      loading_started_at: job.loading_at?.toISOString() ?? null,
    },
    rejects_top: progress.rejectsTop ?? [],
    schema: job.schema ?? null,
    schema_source: job.schema_source ?? null,
    load: { mode: job.load_mode, key: job.load_key, atomic: job.atomic },
    created_at: job.created_at.toISOString(),
    updated_at: job.updated_at.toISOString(),
  };
  if (job.error_code) view.error = { code: job.error_code, message: job.error_message ?? '' };
  if (job.completed_at) view.completed_at = job.completed_at.toISOString();
  return view;
}
