import { LoaderProcesses, peopleFixture, useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';

/**
 * Nothing holds a loader: a cancel aborts the chunk in progress (its COPY and transaction
 * gone within seconds, the loader free for the next job), and a chunk over its time budget is
 * aborted, retried, dead-lettered and fails its job with CHUNK_TIMEOUT. The slow chunk is a
 * real loader process stalled mid-COPY by a failpoint (`mid-copy@N=delay:…`): rows on the
 * wire, the transaction open, its locks held.
 */
const ROWS = 60_000;
const CHUNK_BYTES = 600_000; // ~5 chunks

describe('cancel and the chunk watchdog', () => {
  const ctx = useTestSystem(
    { QUEUE_DELIVERY_LIMIT: '2', WORKER_RETRY_BUDGET_MS: '300', WORKER_RETRY_DELAY_MS: '50' },
    { loaders: 0 },
  );
  let loaders: LoaderProcesses;
  const fixture = peopleFixture(ROWS, 5);
  const small = peopleFixture(500, 6);

  afterEach(async () => {
    await loaders?.stop();
  });

  const upload = async (table: string, text = fixture.text): Promise<string> => {
    const res = await ctx.system.fetch(`/v1/jobs/raw?table=${table}&chunk_size=${CHUNK_BYTES}`, {
      method: 'PUT',
      body: text,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as JobView).id;
  };

  /** Loader sessions of the test database running a COPY, or inside a transaction. */
  const busyLoaderSessions = async () => {
    const { rows } = await ctx.db.query<{ pid: number; state: string; query: string }>(
      `SELECT pid, state, query FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'ingest-loader'
         AND (state LIKE 'idle in transaction%' OR (state = 'active' AND query LIKE 'COPY %'))`,
    );
    return rows;
  };

  const waitFor = async <T>(what: string, probe: () => Promise<T | null>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== null) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** The table holds exactly the rows of the chunks in the ledger: no chunk partly committed. */
  const expectOnlyCommittedChunks = async (jobId: string, table: string) => {
    const ledger = await ctx.db.query<{ rows: number; chunks: number[] }>(
      `SELECT coalesce(sum(rows_loaded), 0)::int AS rows, array_agg(chunk_index ORDER BY chunk_index) AS chunks
       FROM ingest.chunk_ledger WHERE job_id = $1`,
      [jobId],
    );
    const loaded = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${ctx.system.table(table)}`,
    );
    expect(loaded.rows[0]?.n).toBe(ledger.rows[0]?.rows);
    return ledger.rows[0]?.chunks ?? [];
  };

  it('a cancel frees a loader stuck mid-COPY within seconds; it takes the next job', async () => {
    loaders = new LoaderProcesses(ctx.t.env);
    await loaders.start([{ name: 'stalling', failpoints: 'mid-copy@3=delay:600000' }]);
    const id = await upload('cancel_mid_chunk');
    // Chunks 0–2 load, then chunk 3 stalls with its COPY open.
    await waitFor(
      'chunk 3 stalled mid-COPY',
      async () => {
        const ledger = await ctx.db.query('SELECT 1 FROM ingest.chunk_ledger WHERE job_id = $1', [
          id,
        ]);
        const copying = (await busyLoaderSessions()).filter((s) => s.state === 'active');
        return ledger.rowCount === 3 && copying.length === 1 ? copying : null;
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect((await busyLoaderSessions()).length).toBe(1);

    const cancelledAt = Date.now();
    const res = await ctx.system.fetch(`/v1/jobs/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(202);
    await waitFor(
      'the COPY to end',
      async () => ((await busyLoaderSessions()).length === 0 ? true : null),
      20_000,
    );
    const freedMs = Date.now() - cancelledAt;
    expect(freedMs).toBeLessThan(5000);

    // Chunk 3 rolled back: claimed in the ledger only by the committed chunks 0–2.
    expect(await expectOnlyCommittedChunks(id, 'cancel_mid_chunk')).toEqual([0, 1, 2]);
    // The same (only) loader loads the next job.
    const next = await upload('after_cancel', small.text);
    const done = await ctx.system.waitForJob(next, 30_000);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: 500, rejected: 0 } });
    const log = loaders.log('stalling');
    expect(log).toContain('job ended while its chunk loaded; chunk aborted and rolled back');
    // Acknowledged, not retried: the chunk of a cancelled job is done.
    expect(log).not.toContain('retryable failure');
    expect((await ctx.system.waitForJob(id, 1000)).status).toBe('cancelled');
  });

  it('the watchdog aborts a chunk over its budget: retried, dead-lettered, the job fails with CHUNK_TIMEOUT', async () => {
    loaders = new LoaderProcesses({
      ...ctx.t.env,
      LOADER_CHUNK_BUDGET_BASE: '2s',
      LOADER_CHUNK_BUDGET_PER_MIB: '0',
    });
    await loaders.start([{ name: 'stalling', failpoints: 'mid-copy@1=delay:600000' }]);
    const id = await upload('watchdog_chunk');
    const done = await ctx.system.waitForJob(id, 90_000);

    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('CHUNK_TIMEOUT');
    expect(done.error?.message).toMatch(
      /^chunk 1 \(bytes \d+-\d+\): chunk 1 was still loading after its budget of 2\.0 s/,
    );
    expect(await expectOnlyCommittedChunks(id, 'watchdog_chunk')).not.toContain(1);
    const failures = await ctx.db.query<{ attempts: number; code: string }>(
      'SELECT attempts, last_code AS code FROM ingest.chunk_failures WHERE job_id = $1 AND chunk_index = 1',
      [id],
    );
    // One attempt on the first delivery, two (the last chance after the retry budget) on the last.
    expect(failures.rows[0]).toEqual({ attempts: 3, code: 'CHUNK_TIMEOUT' });
    const deadline = Date.now() + 15_000;
    let dead: { chunk_index: number; reason: string }[] = [];
    while (dead.length === 0 && Date.now() < deadline) {
      ({ rows: dead } = await ctx.db.query(
        'SELECT chunk_index, reason FROM ingest.dead_letters WHERE job_id = $1',
        [id],
      ));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(dead).toEqual([{ chunk_index: 1, reason: 'rejected' }]);
    // No attempt left a COPY or a transaction behind (the other chunks of the failed job are skipped).
    await waitFor(
      'no loader session in a transaction',
      async () => ((await busyLoaderSessions()).length === 0 ? true : null),
      5000,
    );
  });
});
