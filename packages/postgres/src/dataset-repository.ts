import type { Pool } from 'pg';

export interface DatasetRecord {
  tenant: string;
  name: string;
  schema: unknown;
  created_at: Date;
}

/** Named, stored table schemas of a tenant (`POST /v1/datasets`, `POST /v1/jobs?dataset=`). */
export class DatasetRepository {
  constructor(private readonly pool: Pool) {}

  /** Stores a new dataset; null when the tenant already has one of that name. */
  async create(tenant: string, name: string, schema: unknown): Promise<DatasetRecord | null> {
    const { rows } = await this.pool.query<DatasetRecord>(
      `INSERT INTO ingest.datasets (tenant, name, schema) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING *`,
      [tenant, name, JSON.stringify(schema)],
    );
    return rows[0] ?? null;
  }

  async get(tenant: string, name: string): Promise<DatasetRecord | null> {
    const { rows } = await this.pool.query<DatasetRecord>(
      'SELECT * FROM ingest.datasets WHERE tenant = $1 AND name = $2',
      [tenant, name],
    );
    return rows[0] ?? null;
  }
}

export interface RejectRecord {
  id: string;
  line: string;
  byte_offset: string | null;
  chunk_index: number;
  column: string | null;
  code: string;
  message: string;
  raw: Buffer;
}

/** A job's rejects in file order, after a (line, id) cursor. */
export async function listRejects(
  pool: Pool,
  jobId: string,
  options: { limit: number; after?: { line: string; id: string } },
): Promise<RejectRecord[]> {
  const { rows } = await pool.query<RejectRecord>(
    `SELECT id::text, line::text, byte_offset::text, chunk_index, "column", code, message, raw
     FROM ingest.rejects
     WHERE job_id = $1 AND ($2::bigint IS NULL OR (line, id) > ($2::bigint, $3::bigint))
     ORDER BY line, id LIMIT $4`,
    [jobId, options.after?.line ?? null, options.after?.id ?? null, options.limit],
  );
  return rows;
}
