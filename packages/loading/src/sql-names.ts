import { qualifiedName, quoteIdent } from '@ingest/postgres';

/**
 * Work tables live in schema `ingest_work`, one set per job, named after it,
 * and are ordinary (logged) tables: an unlogged one would be empty on a new
 * leader after a failover, while the ledger says its chunks are loaded.
 */
export const WORK_SCHEMA = 'ingest_work';
/** The row's file position (chunk × 2³² + record) in COPY data of plans that keep the last row per key. */
export const POSITION_COLUMN = '_ingest_pos';

const compact = (jobId: string) => jobId.replace(/-/g, '');

/** The job's stage (staged plans) and claims (merge plans) table names. */
export const stageTableName = (jobId: string) => `stage_${compact(jobId)}`;
export const claimsTableName = (jobId: string) => `claims_${compact(jobId)}`;

export const workTable = (name: string) => `${WORK_SCHEMA}.${quoteIdent(name)}`;
/** The job's table in its tenant's schema (`"t_acme"."orders"`). */
export const targetTable = (target: { schema: string; table: string }) =>
  qualifiedName(target.schema, target.table);
export const columnList = (names: readonly string[]) => names.map(quoteIdent).join(', ');

/** `ARRAY[alias.k1::text, …]`: a row's key as one comparable value. */
export const keyArray = (key: readonly string[], alias: string) =>
  `ARRAY[${key.map((k) => `${alias}.${quoteIdent(k)}::text`).join(', ')}]`;

/** `INSERT … SELECT` of `source` into the target, updating the rows whose key already exists. */
export function upsertFrom(
  target: { schema: string; table: string },
  columns: readonly string[],
  key: readonly string[],
  source: string,
): string {
  const rest = columns.filter((c) => !key.includes(c));
  const onConflict =
    rest.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET (${columnList(rest)}) = ROW(${rest.map((c) => `excluded.${quoteIdent(c)}`).join(', ')})`;
  return `INSERT INTO ${targetTable(target)} (${columnList(columns)})
    SELECT ${columnList(columns)} FROM ${source}
    ON CONFLICT (${columnList(key)}) ${onConflict}`;
}
