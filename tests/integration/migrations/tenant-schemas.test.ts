import { TenantSchemas } from '@ingest/access';
import { ensureTargetTable } from '@ingest/loading';
import { createPool, migrate, readMigrationFiles, type Pool } from '@ingest/postgres';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';
import { randomUUID } from 'node:crypto';

/**
 * Upgrading to a schema per tenant (migration tenant_schemas): tenants that
 * already have jobs keep loading into `public`, where their tables are;
 * tenants without a job (a key only) and new tenants get `t_<tenant>`.
 */
describe('migration to a schema per tenant', () => {
  let t: TestEnvironment;
  let db: Pool;
  const jobIds = [randomUUID(), randomUUID(), randomUUID()];

  beforeAll(async () => {
    t = await createTestEnvironment();
    db = createPool({
      connectionString: t.databaseUrl,
      applicationName: 'tenancy-upgrade',
      max: 2,
    });
    // The database as a single-tenant deployment left it: tenant dev's jobs and table in public.
    const files = readMigrationFiles();
    const tenancy = files.find((f) => f.name === 'tenant_schemas')?.number ?? 0;
    expect(tenancy).toBeGreaterThan(0);
    await migrate(db, { files: files.filter((f) => f.number < tenancy) });
    await db.query(
      `INSERT INTO ingest.jobs (id, tenant, idempotency_key, status, table_name, object_key)
       VALUES ($1, 'dev', 'k1', 'completed', 'people', 'a'),
              ($2, 'dev', NULL, 'loading', 'people', 'b'),
              ($3, 'ops', NULL, 'failed', 'audit', 'c')`,
      jobIds,
    );
    await db.query(
      `INSERT INTO ingest.api_keys (id, tenant, secret_sha256) VALUES ('000000000001', 'keyonly', '\\x00')`,
    );
    await db.query(`CREATE TABLE public.people (id integer, name text)`);
    await db.query(`INSERT INTO public.people VALUES (1, 'before the upgrade')`);
    await migrate(db);
  });

  afterAll(async () => {
    await db?.end();
    await t?.cleanup();
  });

  it('maps every tenant that has a job to public, and no other', async () => {
    const { rows } = await db.query(
      'SELECT tenant, schema_name, set_by FROM ingest.tenants ORDER BY tenant',
    );
    expect(rows).toEqual([
      { tenant: 'dev', schema_name: 'public', set_by: 'migration' },
      { tenant: 'ops', schema_name: 'public', set_by: 'migration' },
    ]);
  });

  it('records public on the existing jobs (a running job finishes where it started)', async () => {
    const { rows } = await db.query<{ target_schema: string; request_fingerprint: null }>(
      'SELECT DISTINCT target_schema, request_fingerprint FROM ingest.jobs',
    );
    expect(rows).toEqual([{ target_schema: 'public', request_fingerprint: null }]);
    // A gateway of the previous version, still running during a rolling upgrade, names no schema.
    const id = randomUUID();
    await db.query(
      `INSERT INTO ingest.jobs (id, tenant, status, table_name, object_key)
       VALUES ($1, 'dev', 'stored', 'people', 'd')`,
      [id],
    );
    const row = await db.query('SELECT target_schema FROM ingest.jobs WHERE id = $1', [id]);
    expect(row.rows).toEqual([{ target_schema: 'public' }]);
  });

  it("keeps dev's later jobs in public, with its existing table; new tenants get their own", async () => {
    const tenants = new TenantSchemas(db);
    expect(await tenants.schemaFor('dev')).toBe('public');
    // The existing table is found and fits: dev's next job loads beside its earlier rows.
    await ensureTargetTable(db, { schema: 'public', table: 'people' }, [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
    ]);
    expect((await db.query('SELECT count(*)::int AS n FROM public.people')).rows).toEqual([
      { n: 1 },
    ]);
    expect(await tenants.schemaFor('keyonly')).toBe('t_keyonly');
    expect(await tenants.schemaFor('newcomer')).toBe('t_newcomer');
    expect((await tenants.get('newcomer'))?.setBy).toBe('auto');
  });
});
