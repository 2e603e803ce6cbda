import type { Pool } from 'pg';

export interface DatasetRecord {
  tenant: string;
  name: string;
  schema: unknown;
  /** When this version of the dataset was stored (a replace stores a new version). */
  created_at: Date;
}

export interface DatasetListOptions {
  limit: number;
  /** The last name of the previous page. */
  after?: string;
}

/**
 * Named, stored table schemas of a tenant (`/v1/datasets`, `?dataset=` on an
 * upload). Every statement names the tenant: another tenant's dataset is
 * never seen, replaced or deleted.
 */
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

  /**
   * Stores the dataset whether or not the name is taken; `created` tells which.
   * Jobs that loaded with the former schema keep their own copy of it.
   */
  async put(
    tenant: string,
    name: string,
    schema: unknown,
  ): Promise<{ dataset: DatasetRecord; created: boolean }> {
    // xmax is 0 only on a row this statement inserted (not one ON CONFLICT updated).
    const { rows } = await this.pool.query<DatasetRecord & { inserted: boolean }>(
      `INSERT INTO ingest.datasets (tenant, name, schema) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, name) DO UPDATE
         SET schema = EXCLUDED.schema, created_at = EXCLUDED.created_at
       RETURNING *, (xmax = 0) AS inserted`,
      [tenant, name, JSON.stringify(schema)],
    );
    const row = rows[0];
    if (!row) throw new Error('dataset upsert returned no row');
    const { inserted, ...dataset } = row;
    return { dataset, created: inserted };
  }

  async get(tenant: string, name: string): Promise<DatasetRecord | null> {
    const { rows } = await this.pool.query<DatasetRecord>(
      'SELECT * FROM ingest.datasets WHERE tenant = $1 AND name = $2',
      [tenant, name],
    );
    return rows[0] ?? null;
  }

  /** The tenant's datasets by name, a page after the cursor (the previous page's last name). */
  async list(tenant: string, options: DatasetListOptions): Promise<DatasetRecord[]> {
    const { rows } = await this.pool.query<DatasetRecord>(
      `SELECT * FROM ingest.datasets
       WHERE tenant = $1 AND ($2::text IS NULL OR name > $2)
       ORDER BY name
       LIMIT $3`,
      [tenant, options.after ?? null, options.limit],
    );
    return rows;
  }

  /** Removes the dataset; false when the tenant has none of that name. */
  async delete(tenant: string, name: string): Promise<boolean> {
    const result = await this.pool.query(
      'DELETE FROM ingest.datasets WHERE tenant = $1 AND name = $2',
      [tenant, name],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
