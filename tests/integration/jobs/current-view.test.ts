import { JobLifecycle, RedisJobStateStore } from '@ingest/jobs';
import { randomBytes } from 'node:crypto';
import { insertJob, useMigratedDatabase } from './job-fixtures';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** JobLifecycle.currentView against a real Postgres and Redis: the hot view never outlives its row. */
describe('JobLifecycle.currentView', () => {
  const db = useMigratedDatabase();
  const prefix = `ingest-test-${randomBytes(4).toString('hex')}:`;
  const state = new RedisJobStateStore({ url: REDIS_URL, keyPrefix: prefix });
  let lifecycle: JobLifecycle;

  beforeAll(() => {
    lifecycle = new JobLifecycle({
      pool: db.pool,
      state,
      // Reading views publishes nothing.
      publisher: { publish: () => Promise.reject(new Error('nothing here publishes')) },
      logger: { warn: () => undefined },
    });
  });

  afterAll(async () => {
    const keys = await state.redis.keys(`${prefix}*`);
    if (keys.length > 0) await state.redis.del(...keys);
    await state.close();
  });

  it('drops a hot view written back after its job was deleted, and answers unknown', async () => {
    const id = await insertJob(db.pool, { status: 'completed', chunks_total: 0 });
    await lifecycle.refresh(id);
    const stale = await state.get(id);
    expect(stale?.status).toBe('completed');

    const outcome = await lifecycle.delete(id, 'default');
    expect(outcome.kind).toBe('deleted');
    // A refresh that read the row before the delete writes its view after it.
    if (stale) await state.put(stale);
    expect(await state.get(id)).not.toBeNull();

    expect(await lifecycle.currentView(id)).toBeNull();
    expect(await state.get(id)).toBeNull();
  });

  it('keeps the hot view of a job that exists but has no plan yet', async () => {
    const id = await insertJob(db.pool, { status: 'stored' });
    await lifecycle.refresh(id);
    const view = await lifecycle.currentView(id);
    expect(view).toMatchObject({ id, status: 'stored' });
    expect(view?.queue).toBeUndefined();
    expect(await state.get(id)).not.toBeNull();
  });
});
