import type { LoadMode, LoadPlan } from '@ingest/contracts';
import { AppError } from '@ingest/errors';
import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from './identifiers';

/**
 * The loading modes in SQL. Work tables live in schema `ingest_work`, one set
 * per job, named after it, and are ordinary (logged) tables: an unlogged one
 * would be empty on a new leader after a failover, while the ledger says its
 * chunks are loaded. See docs/architecture.md, "Loading modes".
 */
export const WORK_SCHEMA = 'ingest_work';
/** The row's file position in COPY data of plans with positions (see planHasPositions). */
export const POSITION_COLUMN = '_ingest_pos';

const compact = (jobId: string) => jobId.replace(/-/g, '');
const work = (name: string) => `${WORK_SCHEMA}.${quoteIdent(name)}`;
const target = (table: string) => `public.${quoteIdent(table)}`;
const list = (names: readonly string[]) => names.map(quoteIdent).join(', ');

export interface LoadSettings {
  jobId: string;
  table: string;
  columns: readonly string[];
  mode: LoadMode;
  key: readonly string[] | null;
  atomic: boolean;
}

/** The plan for a job's settings, and the work tables it needs (created here, idempotently). */
export async function prepareLoadPlan(pool: Pool, s: LoadSettings): Promise<LoadPlan> {
  if (s.mode === 'upsert' && s.key !== null) await assertUniqueKey(pool, s.table, s.key);
  if (s.mode === 'append' && !s.atomic) return { kind: 'direct' };
  if (s.mode === 'upsert' && !s.atomic && s.key !== null) {
    const claims = `claims_${compact(s.jobId)}`;
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${work(claims)} (key text[] PRIMARY KEY, position bigint NOT NULL)`,
    );
    return { kind: 'merge', claims, key: [...s.key] };
  }
  const stage = `stage_${compact(s.jobId)}`;
  const key = s.mode === 'append' ? null : s.key === null ? null : [...s.key];
  // Only the columns and their defaults: indexes would slow every COPY, constraints are checked
  // when the rows reach the target.
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${work(stage)} (LIKE ${target(s.table)} INCLUDING DEFAULTS${
      key === null ? '' : `, ${POSITION_COLUMN} bigint NOT NULL`
    })`,
  );
  return { kind: 'staged', stage, publish: s.mode, key };
}

/** An upsert needs a unique index on exactly the key columns (ON CONFLICT names it by them). */
async function assertUniqueKey(pool: Pool, table: string, key: readonly string[]): Promise<void> {
  const { rows } = await pool.query<{ found: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_index i
       WHERE i.indrelid = format('public.%I', $1::text)::regclass AND i.indisunique
         AND i.indpred IS NULL AND i.indexprs IS NULL
         AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
              FROM pg_attribute a
              WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey))
             = (SELECT array_agg(k ORDER BY k) FROM unnest($2::text[]) AS k)
     ) AS found`,
    [table, key],
  );
  if (rows[0]?.found !== true) {
    throw new AppError(
      'TARGET_KEY_MISSING',
      `table "${table}" has no unique index on (${key.join(', ')}): upsert needs one to find existing rows`,
      422,
    );
  }
}

/** The table a chunk's COPY writes into, and its column list. */
export function copyTargetOf(
  plan: LoadPlan,
  table: string,
  columns: readonly string[],
): { relation: string; columns: string } {
  switch (plan.kind) {
    case 'direct':
      return { relation: target(table), columns: list(columns) };
    case 'merge':
      return { relation: 'pg_temp.ingest_chunk', columns: `${list(columns)}, ${POSITION_COLUMN}` };
    case 'staged':
      return {
        relation: work(plan.stage),
        columns: plan.key === null ? list(columns) : `${list(columns)}, ${POSITION_COLUMN}`,
      };
  }
}

/** Runs before a merge chunk's COPY, inside its transaction: the chunk's own temporary table. */
export async function beginMergeChunk(client: PoolClient, table: string): Promise<void> {
  await client.query(
    `CREATE TEMPORARY TABLE ingest_chunk (LIKE ${target(table)} INCLUDING DEFAULTS,
       ${POSITION_COLUMN} bigint NOT NULL) ON COMMIT DROP`,
  );
}

/** `INSERT … SELECT` of the latest row per key, updating the rows that already exist. */
function upsertFrom(
  table: string,
  columns: readonly string[],
  key: readonly string[],
  source: string,
): string {
  const rest = columns.filter((c) => !key.includes(c));
  const onConflict =
    rest.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET (${list(rest)}) = ROW(${rest.map((c) => `excluded.${quoteIdent(c)}`).join(', ')})`;
  return `INSERT INTO ${target(table)} (${list(columns)})
    SELECT ${list(columns)} FROM ${source}
    ON CONFLICT (${list(key)}) ${onConflict}`;
}

const keyArray = (key: readonly string[], alias: string) =>
  `ARRAY[${key.map((k) => `${alias}.${quoteIdent(k)}::text`).join(', ')}]`;

/**
 * Merges the COPYed chunk into the target: the last row per key within the
 * chunk, and only for keys where this chunk is the latest in file order so
 * far. The claims table remembers each key's winning position; claiming in key
 * order and holding those row locks to COMMIT serializes chunks that share keys,
 * so whichever commits last, the last occurrence in the file wins.
 */
export async function mergeChunk(
  client: PoolClient,
  plan: Extract<LoadPlan, { kind: 'merge' }>,
  table: string,
  columns: readonly string[],
): Promise<void> {
  const { key } = plan;
  await client.query(
    `WITH latest AS (
       SELECT DISTINCT ON (${list(key)}) * FROM pg_temp.ingest_chunk
       ORDER BY ${list(key)}, ${POSITION_COLUMN} DESC),
     won AS (
       INSERT INTO ${work(plan.claims)} AS c (key, position)
       SELECT ${keyArray(key, 'l')}, l.${POSITION_COLUMN} FROM latest l ORDER BY 1
       ON CONFLICT (key) DO UPDATE SET position = excluded.position
         WHERE c.position < excluded.position
       RETURNING c.key),
     winners AS (
       SELECT l.* FROM latest l JOIN won ON won.key = ${keyArray(key, 'l')})
     ${upsertFrom(table, columns, key, 'winners')}`,
  );
}

/**
 * Publishes a staged job into its target, inside the transaction that marks
 * the job completed: appended, upserted (the last row per key in file order),
 * or replacing the table's content. Readers see the old content until COMMIT,
 * then the new.
 */
export async function publishStaged(
  client: PoolClient,
  plan: Extract<LoadPlan, { kind: 'staged' }>,
  table: string,
  columns: readonly string[],
): Promise<void> {
  const latest =
    plan.key === null
      ? work(plan.stage)
      : `(SELECT DISTINCT ON (${list(plan.key)}) * FROM ${work(plan.stage)}
          ORDER BY ${list(plan.key)}, ${POSITION_COLUMN} DESC) AS latest`;
  if (plan.publish === 'replace') {
    // TRUNCATE keeps the table itself (its indexes, grants, views, dependants) and locks it
    // for the swap; the rows are then written once more from the stage.
    await client.query(`TRUNCATE ${target(table)}`);
  }
  if (plan.publish === 'upsert' && plan.key !== null) {
    await client.query(upsertFrom(table, columns, plan.key, latest));
  } else {
    await client.query(
      `INSERT INTO ${target(table)} (${list(columns)}) SELECT ${list(columns)} FROM ${latest}`,
    );
  }
}

const dropSql = (jobId: string) =>
  `DROP TABLE IF EXISTS ${work(`stage_${compact(jobId)}`)}, ${work(`claims_${compact(jobId)}`)}`;

/**
 * Removes an ended job's work tables. A loader still writing into one holds
 * its lock until that chunk's transaction ends, so the wait is bounded
 * (`lock_timeout`) and a table left behind is dropped by a later call.
 */
export async function dropWorkTables(pool: Pool, jobId: string, lockTimeoutMs = 10_000) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    await client.query(dropSql(jobId));
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** The same inside a transaction the caller holds (the one that publishes a staged job). */
export async function dropWorkTablesIn(client: PoolClient, jobId: string): Promise<void> {
  await client.query(dropSql(jobId));
}
