import type pg from 'pg';

/**
 * The fault suite's end condition: the table holds every row of a people
 * fixture (ids 1..rows) exactly once — the count, the distinct ids and their
 * sum — and the job's ledger holds one row per chunk of its plan.
 */
export async function expectExactlyOnce(
  db: pg.Client,
  qualifiedTable: string,
  rows: number,
): Promise<void> {
  const { rows: found } = await db.query<{ n: number; ids: number; sum: string | null }>(
    `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, sum(id)::text AS sum FROM ${qualifiedTable}`,
  );
  expect(found[0]).toEqual({ n: rows, ids: rows, sum: String((rows * (rows + 1)) / 2) });
}

/** One ledger row per planned chunk, each chunk index once. */
export async function expectLedgerComplete(
  db: pg.Client,
  jobId: string,
  chunks: number,
): Promise<void> {
  const { rows } = await db.query<{ n: number; distinct_chunks: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT chunk_index)::int AS distinct_chunks
     FROM ingest.chunk_ledger WHERE job_id = $1`,
    [jobId],
  );
  expect(rows[0]).toEqual({ n: chunks, distinct_chunks: chunks });
}

/** Chunks of the job committed so far (its ledger rows). */
export async function committedChunks(db: pg.Client, jobId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM ingest.chunk_ledger WHERE job_id = $1',
    [jobId],
  );
  return rows[0]?.n ?? 0;
}

/** Polls `check` every 50 ms until it returns true (or throws after `timeoutMs`). */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
