import { JOB_STATUSES, statusRank } from '@ingest/contracts';
import { createPool, migrate, readMigrationFiles, type Pool } from '@ingest/postgres';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** The single idempotent script earlier versions ran at every start (kept as it was). */
const PRE_NUMBERED_SCRIPT = readFileSync(join(__dirname, 'pre-numbered-schema.sql'), 'utf8');

describe('numbered migrations', () => {
  let t: TestEnvironment;
  const databases: { name: string; url: string; pool: Pool }[] = [];

  /** A fresh, empty database of its own. */
  async function freshDatabase(): Promise<Pool> {
    const name = `${new URL(t.databaseUrl).pathname.slice(1)}_m${databases.length + 1}`;
    const admin = await t.db();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(t.databaseUrl);
    url.pathname = `/${name}`;
    const pool = createPool({ connectionString: url.toString(), applicationName: 'migrate-test' });
    databases.push({ name, url: url.toString(), pool });
    return pool;
  }
  const urlOf = (pool: Pool): string | undefined => databases.find((d) => d.pool === pool)?.url;

  beforeAll(async () => {
    t = await createTestEnvironment();
  });

  afterAll(async () => {
    await Promise.all(databases.map((d) => d.pool.end()));
    const admin = await t.db();
    for (const { name } of databases)
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await t.cleanup();
  });

  const applied = async (pool: Pool) =>
    (
      await pool.query<{ number: number; name: string; checksum: string }>(
        'SELECT number, name, checksum FROM ingest.migrations ORDER BY number',
      )
    ).rows;

  it('applies every file once, in order, recorded with its checksum', async () => {
    const pool = await freshDatabase();
    await migrate(pool);
    const files = readMigrationFiles();
    const rows = await applied(pool);
    expect(rows.map((r) => [r.number, r.name])).toEqual(files.map((f) => [f.number, f.name]));
    expect(rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    await migrate(pool);
    expect(await applied(pool)).toEqual(rows);
  });

  it('defines ingest.status_rank from the TypeScript rank table', async () => {
    const pool = await freshDatabase();
    await migrate(pool);
    for (const status of JOB_STATUSES) {
      const { rows } = await pool.query<{ rank: number }>('SELECT ingest.status_rank($1) AS rank', [
        status,
      ]);
      expect([status, rows[0]?.rank]).toEqual([status, statusRank(status)]);
    }
  });

  it('upgrades a database the earlier single script created, keeping its rows', async () => {
    const pool = await freshDatabase();
    await pool.query(PRE_NUMBERED_SCRIPT);
    await pool.query(
      `INSERT INTO ingest.jobs (id, status, table_name, object_key)
       VALUES ('00000000-0000-4000-8000-000000000001', 'loading', 'people', 'k')`,
    );
    await migrate(pool);
    expect((await applied(pool)).map((r) => r.number)).toEqual(
      readMigrationFiles().map((f) => f.number),
    );
    const { rows } = await pool.query(
      `UPDATE ingest.jobs SET status = 'completed' WHERE ingest.status_rank(status) < 100 RETURNING id`,
    );
    expect(rows).toHaveLength(1);
  });

  it('refuses a migration that changed after it was applied', async () => {
    const pool = await freshDatabase();
    const files = readMigrationFiles();
    await migrate(pool, { files });
    const changed = files.map((f, i) => (i === 0 ? { ...f, sql: `${f.sql}\n-- edited` } : f));
    await expect(migrate(pool, { files: changed })).rejects.toThrow(
      /migration 000001_initial changed after it was applied/,
    );
  });

  it('runs each migration in its own transaction: a failing one leaves nothing behind', async () => {
    const pool = await freshDatabase();
    const files = readMigrationFiles();
    const next = files.length + 1;
    const broken = {
      number: next,
      name: 'broken',
      sql: 'CREATE TABLE ingest.half_done (id int); SELECT 1 / 0;',
    };
    await expect(migrate(pool, { files: [...files, broken] })).rejects.toThrow(
      new RegExp(`migration ${String(next).padStart(6, '0')}_broken failed: division by zero`),
    );
    expect(
      (await pool.query<{ t: string | null }>(`SELECT to_regclass('ingest.half_done') AS t`))
        .rows[0]?.t,
    ).toBeNull();
    expect((await applied(pool)).map((r) => r.number)).toEqual(files.map((f) => f.number));
    const fixed = { ...broken, name: 'fixed', sql: 'CREATE TABLE ingest.half_done (id int);' };
    await migrate(pool, { files: [...files, fixed] });
    expect((await applied(pool)).map((r) => r.name)).toContain('fixed');
  });

  it('lets concurrent starts migrate once, and gives up waiting after lock_timeout', async () => {
    const pool = await freshDatabase();
    await Promise.all([migrate(pool), migrate(pool), migrate(pool)]);
    expect(await applied(pool)).toHaveLength(readMigrationFiles().length);
    const holder = new pg.Client({ connectionString: urlOf(pool) });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(724311905)');
      await expect(migrate(pool, { lockTimeoutMs: 200 })).rejects.toMatchObject({ code: '55P03' });
    } finally {
      await holder.end();
    }
    await migrate(pool);
  });
});
