import { AppError, errors } from '@ingest/errors';
import { qualifiedName, quoteIdent, withTransaction, type Pool } from '@ingest/postgres';

/** A target column and the PostgreSQL type the job's schema gives it (`sqlType`). */
export interface TargetColumn {
  name: string;
  type: string;
}

const INTEGERS = new Set(['smallint', 'integer', 'bigint']);

/**
 * Whether an existing column of type `existing` holds every value of the
 * schema's type `wanted`: the same type, any type into text, or a lossless
 * widening (integer → bigint, integers and numerics into unconstrained numeric).
 */
export function typeFits(existing: string, wanted: string): boolean {
  if (existing === wanted || existing === 'text') return true;
  if (existing === 'bigint') return wanted === 'integer' || wanted === 'smallint';
  if (existing === 'numeric') return INTEGERS.has(wanted) || wanted.startsWith('numeric');
  return false;
}

/**
 * Creates the tenant's schema on its first table, and the target table with
 * the job schema's column types when it is missing
 * (every identifier quoted; an upsert's key as primary key); when it exists, checks by column name that every
 * column is there and that its type can hold the schema's type, so a misfit
 * fails the job before any row is loaded. Serialized per schema and per
 * table so concurrent jobs into a new schema or table do not race on CREATE. Returns the
 * columns' actual types (which decide how loaders encode them).
 */
export async function ensureTargetTable(
  pool: Pool,
  { schema, table }: { schema: string; table: string },
  columns: readonly TargetColumn[],
  primaryKey: readonly string[] | null = null,
): Promise<string[]> {
  return withTransaction(pool, async (client) => {
    // CREATE … IF NOT EXISTS still fails on a concurrent creation of the same name.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('ingest.schema:' || $1))`, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('ingest.target:' || $1))`, [
      `${schema}.${table}`,
    ]);
    // The type strings come from sqlType (a fixed vocabulary), never from user input.
    const columnList = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
    // A new table for an upsert gets its key as primary key (an existing one must have a unique index).
    const key =
      primaryKey === null ? '' : `, PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')})`;
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, table)} (${columnList}${key})`,
    );
    const { rows } = await client.query<{ column_name: string; type: string }>(
      `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
       WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass
         AND a.attnum > 0 AND NOT a.attisdropped`,
      [schema, table],
    );
    const present = new Map(rows.map((r) => [r.column_name, r.type]));
    const missing = columns.filter((c) => !present.has(c.name)).map((c) => c.name);
    if (missing.length > 0) throw errors.targetColumnsMissing(table, missing);
    const misfits = columns.filter((c) => !typeFits(present.get(c.name) ?? '', c.type));
    if (misfits.length > 0) {
      throw new AppError(
        'TARGET_TYPE_MISMATCH',
        `table "${table}" exists but cannot hold the schema's types: ${misfits
          .map((c) => `${c.name} is ${present.get(c.name)}, the schema needs ${c.type}`)
          .join('; ')}`,
        422,
      );
    }
    return columns.map((c) => present.get(c.name) ?? c.type);
  });
}
