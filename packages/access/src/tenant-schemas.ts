import type { Pool, PoolClient } from 'pg';
import { defaultSchemaName, schemaNameProblem } from './tenant-schema-name';

export interface TenantSchema {
  tenant: string;
  schema: string;
  /** `auto`: named from the tenant on first use; `operator`: set by hand; `migration`: the upgrade's `public`. */
  setBy: 'auto' | 'operator' | 'migration';
  updatedAt: Date;
}

interface TenantRow {
  tenant: string;
  schema_name: string;
  set_by: TenantSchema['setBy'];
  updated_at: Date;
}

const toSchema = (row: TenantRow): TenantSchema => ({
  tenant: row.tenant,
  schema: row.schema_name,
  setBy: row.set_by,
  updatedAt: row.updated_at,
});

/** An operator's mapping that cannot be set; the message says why. */
export class TenantSchemaError extends Error {}

/** Serializes every change of the mapping (first uses and operators' changes alike). */
const lockMapping = (client: PoolClient) =>
  client.query(`SELECT pg_advisory_xact_lock(hashtext('ingest.tenants'))`);

/**
 * Which PostgreSQL schema holds each tenant's tables (`ingest.tenants`). A
 * tenant's first upload records `t_<tenant>`; the schema itself is created by
 * the first job that creates a table in it. Jobs record the schema they load
 * into when they are created.
 */
export class TenantSchemas {
  constructor(private readonly pool: Pool) {}

  /** The tenant's schema, recording the automatic one on first use. */
  async schemaFor(tenant: string): Promise<string> {
    const known = await this.get(tenant);
    if (known) return known.schema;
    return this.transaction(async (client) => {
      await lockMapping(client);
      const again = await client.query<TenantRow>(
        'SELECT * FROM ingest.tenants WHERE tenant = $1',
        [tenant],
      );
      if (again.rows[0]) return again.rows[0].schema_name;
      // An operator may have given this name to another tenant already: never share by accident.
      let schema = defaultSchemaName(tenant);
      for (let n = 2; await this.usedByAnother(client, schema, tenant); n++) {
        schema = `${defaultSchemaName(tenant).slice(0, 58)}_${n}`;
      }
      await client.query(
        `INSERT INTO ingest.tenants (tenant, schema_name, set_by) VALUES ($1, $2, 'auto')`,
        [tenant, schema],
      );
      return schema;
    });
  }

  async get(tenant: string): Promise<TenantSchema | null> {
    const { rows } = await this.pool.query<TenantRow>(
      'SELECT * FROM ingest.tenants WHERE tenant = $1',
      [tenant],
    );
    return rows[0] ? toSchema(rows[0]) : null;
  }

  async list(): Promise<TenantSchema[]> {
    const { rows } = await this.pool.query<TenantRow>(
      'SELECT * FROM ingest.tenants ORDER BY tenant',
    );
    return rows.map(toSchema);
  }

  /**
   * Points the tenant at an existing schema (its later jobs load there; jobs
   * already created finish where they started). Refused when the name is not
   * a plain identifier or is the system's, when the schema does not exist,
   * and — unless `share` — when another tenant's tables live there.
   */
  async setSchema(
    tenant: string,
    schema: string,
    options: { share?: boolean } = {},
  ): Promise<TenantSchema> {
    const problem = schemaNameProblem(schema);
    if (problem) throw new TenantSchemaError(problem);
    return this.transaction(async (client) => {
      await lockMapping(client);
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) {
        throw new TenantSchemaError(
          `schema "${schema}" does not exist: create it first (CREATE SCHEMA ${schema})`,
        );
      }
      const others = await this.usedByAnother(client, schema, tenant);
      if (others && !options.share) {
        throw new TenantSchemaError(
          `schema "${schema}" already holds the tables of tenant "${others}": pass --share to let both use it`,
        );
      }
      const { rows } = await client.query<TenantRow>(
        `INSERT INTO ingest.tenants (tenant, schema_name, set_by) VALUES ($1, $2, 'operator')
         ON CONFLICT (tenant) DO UPDATE SET schema_name = excluded.schema_name,
           set_by = 'operator', updated_at = now()
         RETURNING *`,
        [tenant, schema],
      );
      return toSchema(rows[0] as TenantRow);
    });
  }

  /** Another tenant mapped to `schema`, if any. */
  private async usedByAnother(
    client: PoolClient,
    schema: string,
    tenant: string,
  ): Promise<string | null> {
    const { rows } = await client.query<{ tenant: string }>(
      'SELECT tenant FROM ingest.tenants WHERE schema_name = $1 AND tenant <> $2 LIMIT 1',
      [schema, tenant],
    );
    return rows[0]?.tenant ?? null;
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
}
