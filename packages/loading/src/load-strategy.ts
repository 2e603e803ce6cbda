import type { LoadPlan } from '@ingest/contracts';
import type { Pool, PoolClient } from '@ingest/postgres';

/** The job a strategy loads for: its id (work tables are named after it), table and columns. */
export interface LoadTarget {
  jobId: string;
  /** The tenant's schema the table lives in (recorded on the job). */
  schema: string;
  table: string;
  columns: readonly string[];
}

/** The relation a chunk's COPY writes into, and its column list (SQL, quoted). */
export interface CopyTarget {
  relation: string;
  columns: string;
}

/**
 * How one plan kind moves rows into the target, step by step along a job:
 * planning prepares, each chunk copies (inside its ledger transaction), the
 * job's end publishes and cleans up. See docs/architecture.md, "Loading modes".
 */
export interface LoadStrategy {
  readonly plan: LoadPlan;
  /** COPY rows carry their file position (chunk × 2³² + record) as an extra last column. */
  readonly positions: boolean;
  /** Rows reach the target only when the job completes: completion must call `publish`. */
  readonly publishesAtEnd: boolean;
  /** At planning, before the first chunk task: creates the job's work tables (idempotent). */
  prepare(pool: Pool): Promise<void>;
  /** Inside a chunk's transaction, before its COPY. */
  beforeCopy(client: PoolClient): Promise<void>;
  copyTarget(): CopyTarget;
  /** Inside a chunk's transaction, after its COPY. */
  afterCopy(client: PoolClient): Promise<void>;
  /** Inside the transaction that marks the job completed. */
  publish(client: PoolClient): Promise<void>;
  /** Drops the job's work tables, inside a transaction the caller holds. */
  cleanUp(client: PoolClient): Promise<void>;
}
