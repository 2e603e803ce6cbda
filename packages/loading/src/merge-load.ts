import type { LoadPlan } from '@ingest/contracts';
import type { Pool, PoolClient } from '@ingest/postgres';
import type { CopyTarget, LoadStrategy, LoadTarget } from './load-strategy';
import {
  POSITION_COLUMN,
  columnList,
  keyArray,
  targetTable,
  upsertFrom,
  workTable,
} from './sql-names';

/**
 * `merge` (upsert, not atomic): each chunk COPYs into its own temporary table,
 * then merges the last row per key into the target, but only for keys where
 * this chunk is the latest in file order so far. The job's claims table
 * remembers each key's winning position; claiming in key order and holding
 * those row locks to COMMIT serializes chunks that share keys, so whichever
 * commits last, the last occurrence in the file wins.
 */
export class MergeLoad implements LoadStrategy {
  readonly positions = true;
  readonly publishesAtEnd = false;

  constructor(
    readonly plan: Extract<LoadPlan, { kind: 'merge' }>,
    private readonly target: LoadTarget,
  ) {}

  async prepare(pool: Pool): Promise<void> {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${workTable(this.plan.claims)} (key text[] PRIMARY KEY, position bigint NOT NULL)`,
    );
  }

  async beforeCopy(client: PoolClient): Promise<void> {
    await client.query(
      `CREATE TEMPORARY TABLE ingest_chunk (LIKE ${targetTable(this.target)} INCLUDING DEFAULTS,
         ${POSITION_COLUMN} bigint NOT NULL) ON COMMIT DROP`,
    );
  }

  copyTarget(): CopyTarget {
    return {
      relation: 'pg_temp.ingest_chunk',
      columns: `${columnList(this.target.columns)}, ${POSITION_COLUMN}`,
    };
  }

  async afterCopy(client: PoolClient): Promise<void> {
    const { key, claims } = this.plan;
    await client.query(
      `WITH latest AS (
         SELECT DISTINCT ON (${columnList(key)}) * FROM pg_temp.ingest_chunk
         ORDER BY ${columnList(key)}, ${POSITION_COLUMN} DESC),
       won AS (
         INSERT INTO ${workTable(claims)} AS c (key, position)
         SELECT ${keyArray(key, 'l')}, l.${POSITION_COLUMN} FROM latest l ORDER BY 1
         ON CONFLICT (key) DO UPDATE SET position = excluded.position
           WHERE c.position < excluded.position
         RETURNING c.key),
       winners AS (
         SELECT l.* FROM latest l JOIN won ON won.key = ${keyArray(key, 'l')})
       ${upsertFrom(this.target, this.target.columns, key, 'winners')}`,
    );
  }

  async publish(): Promise<void> {}

  async cleanUp(client: PoolClient): Promise<void> {
    await client.query(`DROP TABLE IF EXISTS ${workTable(this.plan.claims)}`);
  }
}
