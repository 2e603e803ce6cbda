import { cancelJob } from '@ingest/jobs';
import { insertJob, readJobRow, useMigratedDatabase } from './job-fixtures';

describe('cancelJob', () => {
  const db = useMigratedDatabase();

  it('cancels a live job', async () => {
    for (const status of ['stored', 'planned', 'loading'] as const) {
      const id = await insertJob(db.pool, { status });
      const cancelled = await cancelJob(db.pool, id);
      expect(cancelled).toMatchObject({ id, status: 'cancelled' });
      expect((await readJobRow(db.pool, id)).completed_at).toBeInstanceOf(Date);
    }
  });

  it('repeated: nothing changes, null', async () => {
    const id = await insertJob(db.pool, { status: 'loading' });
    const first = await cancelJob(db.pool, id);
    expect(await cancelJob(db.pool, id)).toBeNull();
    expect((await readJobRow(db.pool, id)).completed_at).toEqual(first?.completed_at);
  });

  it('does not cancel an ended job (terminal wins)', async () => {
    for (const status of ['completed', 'failed'] as const) {
      const id = await insertJob(db.pool, { status });
      expect(await cancelJob(db.pool, id)).toBeNull();
      expect((await readJobRow(db.pool, id)).status).toBe(status);
    }
  });
});
