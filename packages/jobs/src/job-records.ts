import type { Dialect, LoadPlan } from '@ingest/contracts';
import { withTransaction, type Pool, type Queryable } from '@ingest/postgres';
import type { JobRecord, NewJob, SchemaSource } from './job-record';

/** The tenant's ($1) job for content $2 into table $3 (see findSameContent). */
const SAME_CONTENT = `SELECT * FROM ingest.jobs
  WHERE tenant = $1 AND sha256 = $2 AND table_name = $3 AND status NOT IN ('failed', 'cancelled')
  ORDER BY status = 'completed' DESC, created_at DESC LIMIT 1`;

/** The job's row and what is recorded on it along the way; no status changes (see transitions/). */
export class JobRecords {
  constructor(private readonly pool: Pool) {}

  /** Inserts the job; with an idempotency key already used by the tenant, returns that job instead. */
  async create(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    return insertJob(this.pool, job);
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
    return withTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('ingest.content:' || $1))`, [
        `${job.tenant}/${job.sha256}/${job.table}`,
      ]);
      const { rows } = await client.query<JobRecord>(SAME_CONTENT, [
        job.tenant,
        job.sha256,
        job.table,
      ]);
      const earlier = rows[0];
      if (earlier && earlier.id !== job.id)
        return { job: earlier, created: false, sameContent: true };
      return { ...(await insertJob(client, job)), sameContent: false };
    });
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

  async exists(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM ingest.jobs WHERE id = $1', [id]);
    return rowCount === 1;
  }

  /** Removes a job that never became visible (its publish failed). */
  async delete(id: string): Promise<void> {
    await this.pool.query('DELETE FROM ingest.jobs WHERE id = $1', [id]);
  }

  /** Records the plain UTF-8 object that chunks are cut from (decompressed or transcoded). */
  async recordSource(id: string, sourceKey: string): Promise<void> {
    await this.pool.query(
      `UPDATE ingest.jobs SET source_key = $2, updated_at = now() WHERE id = $1`,
      [id, sourceKey],
    );
  }

  /**
   * Records what planning decided before the first chunk: the sniffed dialect
   * and target columns, the schema the job loads with (and the header's exact
   * bytes, for the rejects CSV) and where its rows go.
   */
  async recordPlan(id: string, plan: RecordedPlan): Promise<void> {
    await this.pool.query(
      `UPDATE ingest.jobs SET dialect = $2, columns = $3, schema = $4, schema_source = $5,
         header_raw = $6, load_plan = $7, updated_at = now()
       WHERE id = $1`,
      [
        id,
        JSON.stringify(plan.dialect),
        plan.columns,
        JSON.stringify(plan.schema),
        plan.schemaSource,
        plan.headerRaw,
        JSON.stringify(plan.loadPlan),
      ],
    );
  }
}

export interface RecordedPlan {
  dialect: Dialect;
  columns: string[];
  /** A TableSchema from @ingest/normalize. */
  schema: unknown;
  schemaSource: SchemaSource;
  headerRaw: Buffer | null;
  loadPlan: LoadPlan;
}

export async function insertJob(
  db: Queryable,
  job: NewJob,
): Promise<{ job: JobRecord; created: boolean }> {
  const inserted = await db.query<JobRecord>(
    `INSERT INTO ingest.jobs (id, tenant, idempotency_key, status, table_name, file_name,
       object_key, bytes, sha256, chunk_bytes, webhook_url, dialect_overrides,
       schema, schema_source, max_rejects_count, max_rejects_ratio, load_mode, load_key, atomic,
       segment_bytes, object_retention_seconds, target_schema, request_fingerprint, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
             $17, $18, $19, $20, coalesce($21, 604800), $22, $23, $24)
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
      job.objectRetentionSeconds ?? null,
      job.targetSchema,
      job.requestFingerprint ?? null,
      job.requestId ?? null,
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
