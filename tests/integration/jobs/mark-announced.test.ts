import { markAnnounced } from '@ingest/jobs';
import { insertJob, readJobRow, useMigratedDatabase } from './job-fixtures';

describe('markAnnounced', () => {
  const db = useMigratedDatabase();

  it('marks an ended job announced', async () => {
    for (const status of ['completed', 'failed', 'cancelled'] as const) {
      const id = await insertJob(db.pool, { status });
      expect(await markAnnounced(db.pool, id)).toBe(true);
      expect((await readJobRow(db.pool, id)).announced_at).toBeInstanceOf(Date);
    }
  });

  it('repeated: the first time is kept', async () => {
    const id = await insertJob(db.pool, { status: 'completed' });
    await markAnnounced(db.pool, id);
    const first = (await readJobRow(db.pool, id)).announced_at;
    expect(await markAnnounced(db.pool, id)).toBe(false);
    expect((await readJobRow(db.pool, id)).announced_at).toEqual(first);
  });

  it('does not mark a live job (precondition not met)', async () => {
    const id = await insertJob(db.pool, { status: 'loading' });
    expect(await markAnnounced(db.pool, id)).toBe(false);
    expect((await readJobRow(db.pool, id)).announced_at).toBeNull();
  });
});
