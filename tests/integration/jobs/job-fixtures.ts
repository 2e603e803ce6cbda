import { createPool, migrate, type Pool } from '@ingest/postgres';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';
import type { JobRecord } from '@ingest/jobs';
import { randomUUID } from 'node:crypto';

/** A fresh database for the calling test file, migrated; dropped after its tests. */
export function useMigratedDatabase(): { readonly pool: Pool; readonly env: TestEnvironment } {
  let env: TestEnvironment | undefined;
  let pool: Pool | undefined;
  beforeAll(async () => {
    env = await createTestEnvironment();
    pool = createPool({ connectionString: env.databaseUrl, applicationName: 'jobs-test', max: 6 });
    await migrate(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await env?.cleanup();
  });
  return {
    get pool() {
      if (!pool) throw new Error('database not ready');
      return pool;
    },
    get env() {
      if (!env) throw new Error('database not ready');
      return env;
    },
  };
}

export interface JobFixture {
  status?: JobRecord['status'];
  chunks_total?: number | null;
  records_found?: number | null;
  max_rejects_count?: number | null;
  max_rejects_ratio?: number | null;
  load_plan?: unknown;
  table_name?: string;
  columns?: string[] | null;
  announced_at?: Date | null;
}

/** Inserts a job row as the transitions find it at some point of its course. */
export async function insertJob(pool: Pool, fixture: JobFixture = {}): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO ingest.jobs (id, status, table_name, object_key, chunks_total, records_found,
       max_rejects_count, max_rejects_ratio, load_plan, columns, announced_at)
     VALUES ($1, $2, $3, 'uploads/x', $4, $5, $6, $7, $8, $9, $10)`,
    [
      id,
      fixture.status ?? 'stored',
      fixture.table_name ?? 'target',
      fixture.chunks_total ?? null,
      fixture.records_found ?? null,
      fixture.max_rejects_count ?? null,
      fixture.max_rejects_ratio ?? null,
      fixture.load_plan === undefined ? null : JSON.stringify(fixture.load_plan),
      fixture.columns ?? null,
      fixture.announced_at ?? null,
    ],
  );
  return id;
}

/** A committed chunk in the ledger, as the chunk writer leaves it. */
export async function commitChunk(
  pool: Pool,
  jobId: string,
  chunkIndex: number,
  counts: { loaded: number; rejected?: number; bytes?: number },
): Promise<void> {
  await pool.query(
    `INSERT INTO ingest.chunk_ledger (job_id, chunk_index, rows_loaded, rows_rejected, bytes)
     VALUES ($1, $2, $3, $4, $5)`,
    [jobId, chunkIndex, counts.loaded, counts.rejected ?? 0, counts.bytes ?? 100],
  );
}

export async function readJobRow(pool: Pool, id: string): Promise<JobRecord> {
  const { rows } = await pool.query<JobRecord>('SELECT * FROM ingest.jobs WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) throw new Error(`no job ${id}`);
  return row;
}
