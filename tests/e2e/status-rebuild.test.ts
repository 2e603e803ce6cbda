import {
  peopleFixture,
  startPrivateRedis,
  useTestSystem,
  type PrivateRedis,
} from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { Redis } from 'ioredis';

describe('hot status lost mid-job', () => {
  let redis: PrivateRedis;
  const ctx = useTestSystem(
    async () => {
      redis = await startPrivateRedis();
      return { REDIS_URL: redis.url };
    },
    { loaders: 2, notifier: false },
  );

  afterAll(async () => {
    await redis?.stop();
  });

  it('rebuilds a correct status from Postgres after FLUSHALL and never counts a chunk twice', async () => {
    const rows = 30_000;
    const res = await ctx.system.fetch('/v1/jobs/raw?table=flushed&chunk_size=4096', {
      method: 'PUT',
      body: peopleFixture(rows, 21).text,
    });
    const { id } = (await res.json()) as JobView;
    const read = async () => (await (await ctx.system.fetch(`/v1/jobs/${id}`)).json()) as JobView;

    let before = await read();
    while (before.chunks.done < 5 && before.status !== 'completed') {
      await new Promise((r) => setTimeout(r, 50));
      before = await read();
    }
    expect(before.status).not.toBe('completed'); // the flush must land mid-job
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();

    const after = await read();
    expect(after.id).toBe(id);
    expect(['loading', 'planned', 'completed']).toContain(after.status);
    expect(after.chunks.done).toBeGreaterThanOrEqual(before.chunks.done);
    expect(after.rows.loaded).toBeGreaterThanOrEqual(before.rows.loaded);

    const done = await ctx.system.waitForJob(id, 120_000);
    expect(done.status).toBe('completed');
    expect(done.rows).toEqual({ loaded: rows, rejected: 0 });
    expect(done.chunks.done).toBe(done.chunks.total);
  });
});
