import { useTestSystem, type RunningSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';

/**
 * Loading modes end to end: upsert with duplicate keys across chunks (last
 * occurrence in file order wins, whatever order chunks commit in), replace,
 * and atomic jobs (nothing visible before completion; a failure leaves the
 * table untouched). Chunk 1 of every job waits 1.5 s before its COPY, so
 * later chunks commit first and there is a window to look at the table.
 */
const CHUNK = 2048;

const csvOf = (rows: [number, string][]) =>
  `id,name,score\n${rows.map(([id, name], i) => `${id},${name},${i}`).join('\n')}\n`;

async function submit(system: RunningSystem, query: string, body: string): Promise<string> {
  const res = await system.fetch(`/v1/jobs/raw?chunk_size=${CHUNK}&${query}`, {
    method: 'PUT',
    body,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as JobView).id;
}

/** Polls until every chunk but the delayed one is committed (the job still running). */
async function waitUntilAllButOne(system: RunningSystem, id: string): Promise<JobView> {
  const deadline = Date.now() + 30_000;
  const seen: string[] = [];
  for (;;) {
    const view = (await (await system.fetch(`/v1/jobs/${id}`)).json()) as JobView;
    seen.push(`${view.status} ${view.chunks.done}/${view.chunks.total}`);
    const total = view.chunks.total;
    if (total !== null && view.chunks.done >= total - 1 && view.status === 'loading') return view;
    if (view.status !== 'loading' && view.status !== 'stored' && view.status !== 'planned') {
      throw new Error(`job ended before the check: ${seen.join(', ')}`);
    }
    if (Date.now() > deadline) throw new Error(`job never got there: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('loading modes', () => {
  const ctx = useTestSystem({ LOADER_FAILPOINTS: 'before-copy@1=delay:1500' }, { loaders: 2 });

  /** The job's staging or claims tables still in schema ingest_work. */
  const workTables = async (jobId: string) =>
    (
      await ctx.db.query<{ tablename: string }>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'ingest_work' AND tablename LIKE $1`,
        [`%${jobId.replace(/-/g, '')}`],
      )
    ).rows.map((r) => r.tablename);

  const table = async (name: string) =>
    (
      await ctx.db.query<{ id: number; name: string; score: number }>(
        `SELECT id, name, score FROM ${ctx.system.table(name)} ORDER BY id`,
      )
    ).rows;

  it.each([false, true])(
    'upsert (atomic=%s): the last occurrence of each key in the file wins, across chunks',
    async (atomic) => {
      const name = `upsert_${atomic ? 'atomic' : 'chunked'}`;
      // First load: ids 1..600, all "old".
      const first = csvOf(Array.from({ length: 600 }, (_, i): [number, string] => [i + 1, 'old']));
      const a = await ctx.system.waitForJob(
        await submit(ctx.system, `table=${name}&mode=upsert&key=id`, first),
      );
      expect(a.status).toBe('completed');

      // Second load: ids 1..400 three times each, far apart (other chunks), some twice in a row
      // (the same chunk); plus new ids 1001..1100. Expected: each id's last row in the file.
      const rows: [number, string][] = [];
      for (let pass = 0; pass < 3; pass++) {
        for (let id = 1; id <= 400; id++) {
          rows.push([id, `p${pass}`]);
          if (id % 50 === 0) rows.push([id, `p${pass}-again`]);
        }
      }
      for (let id = 1001; id <= 1100; id++) rows.push([id, 'new']);
      const expected = new Map<number, { name: string; score: number }>();
      for (let id = 1; id <= 600; id++) expected.set(id, { name: 'old', score: id - 1 });
      rows.forEach(([id, n], i) => expected.set(id, { name: n, score: i }));

      const id = await submit(
        ctx.system,
        `table=${name}&mode=upsert&key=id&atomic=${atomic}`,
        csvOf(rows),
      );
      const done = await ctx.system.waitForJob(id);
      expect(done).toMatchObject({
        status: 'completed',
        rows: { loaded: rows.length, rejected: 0 },
        load: { mode: 'upsert', key: ['id'], atomic },
      });
      expect(done.chunks.total).toBeGreaterThan(5);
      expect(await table(name)).toEqual(
        [...expected.entries()]
          .sort(([x], [y]) => x - y)
          .map(([k, v]) => ({ id: k, name: v.name, score: v.score })),
      );
      expect(await workTables(id)).toEqual([]);
    },
  );

  it('replace: the old content stays visible until the new one replaces it at once', async () => {
    await ctx.db.query(
      `CREATE TABLE ${ctx.system.table('replaced')} (id integer, name text, score integer)`,
    );
    await ctx.db.query(
      `INSERT INTO ${ctx.system.table('replaced')} SELECT g, 'before', 0 FROM generate_series(1, 250) AS g`,
    );
    const rows = Array.from({ length: 700 }, (_, i): [number, string] => [i + 1, 'after']);
    const id = await submit(ctx.system, 'table=replaced&mode=replace', csvOf(rows));

    await waitUntilAllButOne(ctx.system, id);
    const during = await ctx.db.query<{ n: number; name: string }>(
      `SELECT count(*)::int AS n, min(name) AS name FROM ${ctx.system.table('replaced')}`,
    );
    expect(during.rows[0]).toEqual({ n: 250, name: 'before' });

    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({ status: 'completed', load: { mode: 'replace', atomic: false } });
    expect(await table('replaced')).toEqual(
      rows.map(([k, n], i) => ({ id: k, name: n, score: i })),
    );
  });

  it('atomic append: no row is visible until the job completes', async () => {
    const rows = Array.from({ length: 700 }, (_, i): [number, string] => [i + 1, 'row']);
    const id = await submit(ctx.system, 'table=atomic_append&atomic=true', csvOf(rows));
    const mid = await waitUntilAllButOne(ctx.system, id);
    expect(mid.rows.loaded).toBeGreaterThan(0);
    const during = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${ctx.system.table('atomic_append')}`,
    );
    expect(during.rows[0]?.n).toBe(0);
    const done = await ctx.system.waitForJob(id);
    expect(done.status).toBe('completed');
    expect((await table('atomic_append')).length).toBe(700);
  });

  it('atomic with a failure midway leaves the table untouched', async () => {
    await ctx.db.query(
      `CREATE TABLE ${ctx.system.table('atomic_failed')} (id integer, name text, score integer)`,
    );
    await ctx.db.query(
      `INSERT INTO ${ctx.system.table('atomic_failed')} VALUES (1, 'kept', 7), (2, 'kept', 8)`,
    );
    const rows = Array.from({ length: 700 }, (_, i): [number, string] => [i + 1, 'new']);
    // One ragged record in the middle: with max_rejects=0 the job fails when its chunk commits.
    const text = csvOf(rows).replace('\n350,new,349\n', '\n350,new,349,extra\n');
    const id = await submit(ctx.system, 'table=atomic_failed&atomic=true&max_rejects=0', text);
    const done = await ctx.system.waitForJob(id);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('REJECT_BUDGET_EXCEEDED');
    // Let any chunk still in flight finish into the (dropped) stage.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await table('atomic_failed')).toEqual([
      { id: 1, name: 'kept', score: 7 },
      { id: 2, name: 'kept', score: 8 },
    ]);
    expect(await workTables(id)).toEqual([]);
  });

  it('refuses an upsert into a table without a unique key, and an upsert without a key', async () => {
    await ctx.db.query(
      `CREATE TABLE ${ctx.system.table('no_key')} (id integer, name text, score integer)`,
    );
    const id = await submit(ctx.system, 'table=no_key&mode=upsert&key=id', csvOf([[1, 'a']]));
    const done = await ctx.system.waitForJob(id);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('TARGET_KEY_MISSING');

    const res = await ctx.system.fetch('/v1/jobs/raw?table=no_key&mode=upsert', {
      method: 'PUT',
      body: csvOf([[1, 'a']]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'VALIDATION_FAILED',
    );
  });
});
