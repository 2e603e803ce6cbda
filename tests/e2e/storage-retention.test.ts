import { gzipSync } from 'node:zlib';
import { peopleFixture, startSystem, useTestSystem, type RunningSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { keysStartingWith } from '../support/s3-objects';

/**
 * STORAGE_RETENTION: a job's objects (the upload, its segments, what the
 * splitter derived from it) are removed by the splitter's sweeper once the
 * job has ended longer ago than the retention recorded on the job; the job
 * view says whether they are still stored and when they go.
 */
describe('storage retention', () => {
  // Retention 0 for the gateway in this system; a second gateway below records 3 s.
  const ctx = useTestSystem(
    {
      STORAGE_RETENTION: '0',
      SWEEPER_INTERVAL: '200ms',
      GATEWAY_SEGMENT_BYTES: '1000',
      GATEWAY_MIN_CHUNK_BYTES: '16',
    },
    { loaders: 1, notifier: false },
  );
  const fixture = peopleFixture(300, 5);

  const objectKeyOf = async (id: string) =>
    (
      await ctx.db.query<{ object_key: string; removed: boolean }>(
        'SELECT object_key, object_removed_at IS NOT NULL AS removed FROM ingest.jobs WHERE id = $1',
        [id],
      )
    ).rows[0];

  const viewOf = async (system: RunningSystem, id: string) =>
    (await (await system.fetch(`/v1/jobs/${id}`)).json()) as JobView;

  /** Polls until the job's view says its objects are gone (or fails after 10 s). */
  const untilRemoved = async (id: string): Promise<JobView> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const view = await viewOf(ctx.system, id);
      if (!view.object.stored || Date.now() > deadline) return view;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const rawPut = async (system: RunningSystem, table: string, body: string | Buffer) => {
    const res = await system.fetch(`/v1/jobs/raw?table=${table}&chunk_size=4096`, {
      method: 'PUT',
      body,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as JobView).id;
  };

  it('with 0, removes a segmented upload when its job ends, and the view says so', async () => {
    const id = await rawPut(ctx.system, 'kept_segmented', fixture.text);
    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: 300 } });
    expect(done.object.expires_at).toBe(done.completed_at);
    const row = await objectKeyOf(id);
    const key = row?.object_key ?? '';
    const view = await untilRemoved(id);
    expect(view.object).toEqual({ stored: false, expires_at: done.completed_at });
    expect(await keysStartingWith(ctx.t.env, key)).toEqual([]);
    expect((await objectKeyOf(id))?.removed).toBe(true);
    // The rows stay: only the stored file goes.
    const rows = await ctx.db.query(
      `SELECT count(*)::int AS n FROM ${ctx.system.table('kept_segmented')}`,
    );
    expect(rows.rows[0]).toEqual({ n: 300 });
  });

  it('with 0, removes a single-object upload (multipart form)', async () => {
    const form = new FormData();
    form.append('file', new Blob([fixture.text]), 'kept_single.csv');
    const res = await ctx.system.fetch('/v1/jobs', { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    expect((await ctx.system.waitForJob(id)).status).toBe('completed');
    const key = (await objectKeyOf(id))?.object_key ?? '';
    expect(key).toMatch(/^uploads\//);
    expect((await untilRemoved(id)).object.stored).toBe(false);
    expect(await keysStartingWith(ctx.t.env, key)).toEqual([]);
  });

  it('with 0, removes a gzip upload and the plain object derived from it', async () => {
    const id = await rawPut(ctx.system, 'kept_gzip', gzipSync(fixture.text));
    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: 300 } });
    expect(done.dialect?.compression).toBe('gzip');
    const key = (await objectKeyOf(id))?.object_key ?? '';
    const source = await ctx.db.query('SELECT source_key FROM ingest.jobs WHERE id = $1', [id]);
    expect(source.rows[0]).toEqual({ source_key: `${key}.csv` });
    expect((await untilRemoved(id)).object.stored).toBe(false);
    expect(await keysStartingWith(ctx.t.env, key)).toEqual([]);
  });

  it('with a positive retention, keeps the objects until it has run out', async () => {
    // A gateway of the same deployment configured with 3 s: the retention is the job's own.
    const env = { ...ctx.t.env, STORAGE_RETENTION: '3s' };
    const gateway = await startSystem(env, { splitter: false, loaders: 0, notifier: false });
    try {
      const id = await rawPut(gateway, 'kept_3s', fixture.text);
      const done = await gateway.waitForJob(id);
      expect(done.status).toBe('completed');
      const completedAt = Date.parse(done.completed_at ?? '');
      expect(Date.parse(done.object.expires_at ?? '')).toBe(completedAt + 3000);
      const key = (await objectKeyOf(id))?.object_key ?? '';
      const segments = Math.ceil(Buffer.byteLength(fixture.text) / 1000);
      // Several sweeps pass before the retention runs out: the objects stay.
      await new Promise((r) => setTimeout(r, Math.max(0, completedAt + 2000 - Date.now())));
      expect((await viewOf(gateway, id)).object.stored).toBe(true);
      expect(await keysStartingWith(ctx.t.env, `${key}/`)).toHaveLength(segments);
      const view = await untilRemoved(id);
      expect(view.object.stored).toBe(false);
      expect(Date.now()).toBeGreaterThanOrEqual(completedAt + 3000);
      expect(await keysStartingWith(ctx.t.env, key)).toEqual([]);
    } finally {
      await gateway.stop();
    }
  });
});
