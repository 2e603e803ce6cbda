import { codeOf } from '@ingest/errors';
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { readMigrationFiles, type MigrationFile } from './migration-files';
import { statusRankFunctionSql } from './status-rank-function';
import { inTransaction } from './with-transaction';

export interface MigrateOptions {
  /** Longest wait for the migration lock and for each table lock a migration takes. Default 30 s. */
  lockTimeoutMs?: number;
  /** The migrations to apply. Default: packages/postgres/migrations. */
  files?: readonly MigrationFile[];
}

/** Kept from the single-script runner, so an old and a new replica never migrate at once. */
const LOCK_KEY = 724_311_905;

const checksumOf = (sql: string) => createHash('sha256').update(sql).digest('hex');

const label = (f: MigrationFile) => `${String(f.number).padStart(6, '0')}_${f.name}`;

/**
 * Applies the numbered migrations not applied yet, in order, each in its own
 * transaction recorded in `ingest.migrations`, under an advisory lock so
 * every replica of every service can migrate at start. A changed migration
 * that was already applied is an error: fix forward with a new file. Then
 * (re)creates the definitions derived from code (`ingest.status_rank`).
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<void> {
  const files = options.files ?? readMigrationFiles();
  const timeout = Math.max(1, Math.floor(options.lockTimeoutMs ?? 30_000));
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(`SET lock_timeout = ${timeout}`);
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await applyPending(client, files, timeout);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {
        broken = true; // closing the session releases the lock
      });
      await client.query('RESET lock_timeout').catch(() => (broken = true));
    }
  } finally {
    client.release(broken);
  }
}

async function applyPending(client: PoolClient, files: readonly MigrationFile[], timeout: number) {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ingest;
    CREATE TABLE IF NOT EXISTS ingest.migrations (
      number integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
  const { rows } = await client.query<{ number: number; checksum: string }>(
    'SELECT number, checksum FROM ingest.migrations',
  );
  const applied = new Map(rows.map((r) => [r.number, r.checksum]));
  for (const file of files) {
    const checksum = checksumOf(file.sql);
    const known = applied.get(file.number);
    if (known !== undefined) {
      if (known !== checksum) {
        throw new Error(
          `migration ${label(file)} changed after it was applied (checksum ${known.slice(0, 12)}… in the database, ${checksum.slice(0, 12)}… in the file); add a new migration instead`,
        );
      }
      continue;
    }
    await inTransaction(client, async (tx) => {
      await tx.query(`SET LOCAL lock_timeout = ${timeout}`);
      await tx.query(file.sql);
      await tx.query('INSERT INTO ingest.migrations (number, name, checksum) VALUES ($1, $2, $3)', [
        file.number,
        file.name,
        checksum,
      ]);
    }).catch((e: unknown) => {
      throw Object.assign(
        new Error(`migration ${label(file)} failed: ${messageOf(e)}`, { cause: e }),
        {
          code: codeOf(e) ?? undefined,
        },
      );
    });
  }
  await client.query(statusRankFunctionSql());
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The migrations not yet recorded in `ingest.migrations` (or recorded with another checksum),
 * read without taking any lock a busy database makes wait: one SELECT, no advisory lock, no DDL.
 */
export async function pendingMigrations(
  pool: Pool,
  options: Pick<MigrateOptions, 'files' | 'lockTimeoutMs'> = {},
): Promise<MigrationFile[]> {
  const files = options.files ?? readMigrationFiles();
  const timeout = Math.max(1, Math.floor(options.lockTimeoutMs ?? 30_000));
  const client = await pool.connect();
  try {
    return await inTransaction(client, async (tx) => {
      await tx.query(`SET LOCAL lock_timeout = ${timeout}`);
      const { rows: table } = await tx.query<{ exists: boolean }>(
        "SELECT to_regclass('ingest.migrations') IS NOT NULL AS exists",
      );
      if (!table[0]?.exists) return [...files];
      const { rows } = await tx.query<{ number: number; checksum: string }>(
        'SELECT number, checksum FROM ingest.migrations',
      );
      const applied = new Map(rows.map((r) => [r.number, r.checksum]));
      return files.filter((f) => applied.get(f.number) !== checksumOf(f.sql));
    });
  } finally {
    client.release();
  }
}

/**
 * For administrative tools (the keys CLI), which must never queue behind a busy database:
 * when every migration is applied, nothing else happens (no migration lock, no DDL, not even
 * `ingest.status_rank`, which the services refresh at start); otherwise migrate() with a short
 * lock timeout, and a lock that cannot be had in time is an error saying what to do.
 */
export async function migrateIfBehind(
  pool: Pool,
  options: MigrateOptions = {},
): Promise<'current' | 'migrated'> {
  const lockTimeoutMs = options.lockTimeoutMs ?? 5000;
  try {
    const pending = await pendingMigrations(pool, { ...options, lockTimeoutMs });
    if (pending.length === 0) return 'current';
    await migrate(pool, { ...options, lockTimeoutMs });
    return 'migrated';
  } catch (e) {
    if (codeOf(e) !== LOCK_NOT_AVAILABLE) throw e;
    throw Object.assign(
      new Error(
        `the database is busy: a lock needed to check or apply the schema migrations was not granted within ${lockTimeoutMs} ms (${messageOf(e)}). Another process holds it (a migration in progress, or a long transaction); apply migrations at deploy or service start and run this again`,
        { cause: e },
      ),
      { code: LOCK_NOT_AVAILABLE },
    );
  }
}

/** SQLSTATE lock_not_available: lock_timeout expired. */
const LOCK_NOT_AVAILABLE = '55P03';
