import { errors } from '@ingest/errors';
import type { Pool } from 'pg';
import { quoteIdent } from './identifiers';

/**
 * Creates the target table with one text column per file column when it is
 * missing; when it exists, checks that every column is there. Serialized per
 * table name so concurrent jobs into a new table do not race on CREATE.
 */
export async function ensureTargetTable(
  pool: Pool,
  table: string,
  columns: string[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('ingest.target:' || $1))`, [table]);
    const columnList = columns.map((c) => `${quoteIdent(c)} text`).join(', ');
    await client.query(`CREATE TABLE IF NOT EXISTS public.${quoteIdent(table)} (${columnList})`);
    const { rows } = await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = $1`,
      [table],
    );
    const present = new Set(rows.map((r) => r.column_name));
    const missing = columns.filter((c) => !present.has(c));
    if (missing.length > 0) throw errors.targetColumnsMissing(table, missing);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
