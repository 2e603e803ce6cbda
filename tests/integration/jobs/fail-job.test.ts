import { failJob, markAnnounced } from '@ingest/jobs';
import { insertJob, readJobRow, useMigratedDatabase } from './job-fixtures';

describe('failJob', () => {
  const db = useMigratedDatabase();

  it('fails a live job with its code and message', async () => {
    for (const status of ['stored', 'planned', 'loading'] as const) {
      const id = await insertJob(db.pool, { status });
      const failed = await failJob(db.pool, id, 'CHUNK_LOAD_FAILED', 'boom');
      expect(failed?.endedNow).toBe(true);
      expect(failed?.job).toMatchObject({ id, status: 'failed', error_code: 'CHUNK_LOAD_FAILED' });
      const job = await readJobRow(db.pool, id);
      expect(job).toMatchObject({ status: 'failed', error_message: 'boom' });
      expect(job.completed_at).toBeInstanceOf(Date);
    }
  });

  it('repeated: the first outcome stays; the job is returned while unannounced, then not', async () => {
    const id = await insertJob(db.pool, { status: 'loading' });
    await failJob(db.pool, id, 'FIRST', 'first');
    const again = await failJob(db.pool, id, 'SECOND', 'second');
    expect(again?.endedNow).toBe(false);
    expect(again?.job).toMatchObject({ status: 'failed', error_code: 'FIRST' });
    await markAnnounced(db.pool, id);
    expect(await failJob(db.pool, id, 'THIRD', 'third')).toBeNull();
    expect(await readJobRow(db.pool, id)).toMatchObject({
      error_code: 'FIRST',
      error_message: 'first',
    });
  });

  it('does not fail a job that ended otherwise (terminal wins)', async () => {
    for (const status of ['completed', 'cancelled'] as const) {
      const id = await insertJob(db.pool, { status, announced_at: new Date() });
      expect(await failJob(db.pool, id, 'LATE', 'late')).toBeNull();
      expect(await readJobRow(db.pool, id)).toMatchObject({ status, error_code: null });
    }
  });

  it('knows no unknown job', async () => {
    expect(await failJob(db.pool, '00000000-0000-4000-8000-000000000000', 'X', 'x')).toBeNull();
  });
});
