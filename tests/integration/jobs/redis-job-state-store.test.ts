import type { JobView } from '@ingest/contracts';
import { RedisJobStateStore } from '@ingest/jobs';
import { randomBytes } from 'node:crypto';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const view = (over: Partial<JobView>): JobView => ({
  id: `job-${randomBytes(4).toString('hex')}`,
  tenant: 't',
  status: 'loading',
  table: 'public.t',
  file_name: null,
  webhook_url: null,
  bytes: 1000,
  bytes_scanned: null,
  sha256: null,
  dialect: { delimiter: ',', quote: '"', header: true, encoding: 'utf-8', compression: 'none' },
  chunks: { total: 2, done: 1 },
  records: null,
  rows: { loaded: 10, rejected: 0 },
  progress: { bytes_done: 500, eta_seconds: null },
  timings: { stored_at: '2026-01-01T00:00:00.000Z', planned_at: null, loading_started_at: null },
  load: { mode: 'append', key: null, atomic: false },
  object: { stored: true, expires_at: null },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:01.000Z',
  ...over,
});

describe('RedisJobStateStore.put', () => {
  const prefix = `ingest-test-${randomBytes(4).toString('hex')}:`;
  const store = new RedisJobStateStore({ url: REDIS_URL, keyPrefix: prefix });

  afterAll(async () => {
    const keys = await store.redis.keys(`${prefix}*`);
    if (keys.length > 0) await store.redis.del(...keys);
    await store.close();
  });

  it('an ended view replaces a running one that carries a later updated_at', async () => {
    // The job ended in a transaction that began before the last progress write it
    // overtook: its now() (updated_at) is the earlier of the two.
    const running = view({ updated_at: '2026-01-01T00:00:02.000Z' });
    const ended = view({
      id: running.id,
      status: 'completed',
      chunks: { total: 2, done: 2 },
      rows: { loaded: 20, rejected: 0 },
      updated_at: '2026-01-01T00:00:01.500Z',
      completed_at: '2026-01-01T00:00:01.500Z',
      object: { stored: true, expires_at: '2026-01-01T00:00:04.500Z' },
    });
    await store.put(running);
    await store.put(ended);
    const got = await store.get(running.id);
    expect(got).toMatchObject({
      status: 'completed',
      completed_at: '2026-01-01T00:00:01.500Z',
      object: { expires_at: '2026-01-01T00:00:04.500Z' },
      rows: { loaded: 20 },
    });
  });

  it('a view of a lower status never replaces a higher one, whatever its updated_at', async () => {
    const ended = view({ status: 'completed', completed_at: '2026-01-01T00:00:01.000Z' });
    const stale = view({ id: ended.id, updated_at: '2026-01-01T00:00:09.000Z' });
    await store.put(ended);
    await store.put(stale);
    expect(await store.get(ended.id)).toMatchObject({
      status: 'completed',
      completed_at: '2026-01-01T00:00:01.000Z',
      updated_at: ended.updated_at,
    });
  });

  it('of one status, the later updated_at wins and counters only rise', async () => {
    const later = view({ updated_at: '2026-01-01T00:00:05.000Z', file_name: 'later.csv' });
    const earlier = view({
      id: later.id,
      updated_at: '2026-01-01T00:00:03.000Z',
      file_name: 'earlier.csv',
      rows: { loaded: 99, rejected: 0 },
    });
    await store.put(later);
    await store.put(earlier);
    expect(await store.get(later.id)).toMatchObject({
      file_name: 'later.csv',
      updated_at: later.updated_at,
      rows: { loaded: 99 },
    });
  });
});
