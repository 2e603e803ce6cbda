import type { LoadPlan } from '@ingest/contracts';
import type { Pool, PoolClient } from '@ingest/postgres';
import type { CopyTarget, LoadStrategy, LoadTarget } from './load-strategy';
import { POSITION_COLUMN, columnList, targetTable, upsertFrom, workTable } from './sql-names';

/**
 * `staged` (replace, and any atomic job): chunks COPY into the job's stage;
 * the transaction that completes the job publishes the stage into the target
 * (appended, upserted — the last row per key in file order — or replacing the
 * table's content). Readers see the old content until COMMIT, then the new.
 */
export class StagedLoad implements LoadStrategy {
  readonly positions: boolean;
  readonly publishesAtEnd = true;

  constructor(
    readonly plan: Extract<LoadPlan, { kind: 'staged' }>,
    private readonly target: LoadTarget,
  ) {
    this.positions = plan.key !== null;
  }

  async prepare(pool: Pool): Promise<void> {
    // Only the columns and their defaults: indexes would slow every COPY, constraints are
    // checked when the rows reach the target.
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${workTable(this.plan.stage)} (LIKE ${targetTable(this.target)} INCLUDING DEFAULTS${
        this.positions ? `, ${POSITION_COLUMN} bigint NOT NULL` : ''
      })`,
    );
  }

  async beforeCopy(): Promise<void> {}

  copyTarget(): CopyTarget {
    const columns = columnList(this.target.columns);
    return {
      relation: workTable(this.plan.stage),
      columns: this.positions ? `${columns}, ${POSITION_COLUMN}` : columns,
    };
  }

  async afterCopy(): Promise<void> {}

  async publish(client: PoolClient): Promise<void> {
    const { plan } = this;
    const { columns } = this.target;
    const latest =
      plan.key === null
        ? workTable(plan.stage)
        : `(SELECT DISTINCT ON (${columnList(plan.key)}) * FROM ${workTable(plan.stage)}
            ORDER BY ${columnList(plan.key)}, ${POSITION_COLUMN} DESC) AS latest`;
    if (plan.publish === 'replace') {
      // TRUNCATE keeps the table itself (its indexes, grants, views, dependants) and locks it
      // for the swap; the rows are then written once more from the stage.
      await client.query(`TRUNCATE ${targetTable(this.target)}`);
    }
    if (plan.publish === 'upsert' && plan.key !== null) {
      await client.query(upsertFrom(this.target, columns, plan.key, latest));
    } else {
      await client.query(
        `INSERT INTO ${targetTable(this.target)} (${columnList(columns)}) SELECT ${columnList(columns)} FROM ${latest}`,
      );
    }
  }

  async cleanUp(client: PoolClient): Promise<void> {
    await client.query(`DROP TABLE IF EXISTS ${workTable(this.plan.stage)}`);
  }
}
