import { peopleFixture, useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';

/**
 * A job's first chunks ramp up (SPLITTER_FIRST_CHUNK_BYTES, doubling to SPLITTER_CHUNK_BYTES),
 * so loading starts after a few planned bytes; a job that chose its chunk_size gets exactly
 * that. Either way every row lands once.
 */
const FIRST = 16 * 1024;
const CHUNK = 128 * 1024;

describe('first chunks of a job', () => {
  const ctx = useTestSystem(
    { SPLITTER_CHUNK_BYTES: String(CHUNK), SPLITTER_FIRST_CHUNK_BYTES: String(FIRST) },
    { loaders: 2, notifier: false },
  );
  const fixture = peopleFixture(12_000, 11); // ~0.8 MB

  const load = async (query: string): Promise<{ job: JobView; sizes: number[] }> => {
    const res = await ctx.system.fetch(`/v1/jobs/raw?${query}`, {
      method: 'PUT',
      body: fixture.text,
    });
    expect(res.status).toBe(202);
    const job = await ctx.system.waitForJob(((await res.json()) as JobView).id);
    const plan = await ctx.db.query<{ size: string }>(
      `SELECT (byte_end - byte_start)::text AS size FROM ingest.chunk_plan
       WHERE job_id = $1 ORDER BY chunk_index`,
      [job.id],
    );
    return { job, sizes: plan.rows.map((r) => Number(r.size)) };
  };

  it('ramp up from the first target, doubling, to the chunk size', async () => {
    const { job, sizes } = await load('table=ramped');
    expect(job).toMatchObject({ status: 'completed', rows: { loaded: 12_000, rejected: 0 } });
    // Each chunk ends on the first record boundary at or after its target.
    const targets = sizes.map((_s, i) => Math.min(CHUNK, FIRST * 2 ** i));
    sizes.slice(0, -1).forEach((size, i) => {
      expect(size).toBeGreaterThanOrEqual(targets[i] as number);
      expect(size).toBeLessThan((targets[i] as number) + 400);
    });
    expect(sizes.length).toBeGreaterThan(5);
    const loaded = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${ctx.system.table('ramped')}`,
    );
    expect(loaded.rows[0]?.n).toBe(12_000);
  });

  it('are all of the chosen size when the job sets chunk_size', async () => {
    const { job, sizes } = await load(`table=sized&chunk_size=${CHUNK}`);
    expect(job).toMatchObject({ status: 'completed', rows: { loaded: 12_000, rejected: 0 } });
    for (const size of sizes.slice(0, -1)) {
      expect(size).toBeGreaterThanOrEqual(CHUNK);
      expect(size).toBeLessThan(CHUNK + 400);
    }
  });
});
