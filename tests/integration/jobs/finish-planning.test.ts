import { finishPlanning } from '@ingest/jobs';
import { insertJob, readJobRow, useMigratedDatabase } from './job-fixtures';

const totals = { chunksTotal: 3, recordsFound: 30, bytesScanned: 900 };

describe('finishPlanning', () => {
  const db = useMigratedDatabase();

  it('records the totals and moves a stored job to planned', async () => {
    const id = await insertJob(db.pool, { status: 'stored' });
    expect(await finishPlanning(db.pool, id, totals)).toBe(true);
    const job = await readJobRow(db.pool, id);
    expect(job).toMatchObject({
      status: 'planned',
      chunks_total: 3,
      records_found: 30,
      bytes_scanned: 900,
    });
    expect(job.planned_at).toBeInstanceOf(Date);
  });

  it('keeps a job that is already loading in loading (planning and loading overlap)', async () => {
    const id = await insertJob(db.pool, { status: 'loading' });
    expect(await finishPlanning(db.pool, id, totals)).toBe(true);
    expect(await readJobRow(db.pool, id)).toMatchObject({ status: 'loading', chunks_total: 3 });
  });

  it('repeated: the same totals again, the first planned_at kept', async () => {
    const id = await insertJob(db.pool, { status: 'stored' });
    await finishPlanning(db.pool, id, totals);
    const first = await readJobRow(db.pool, id);
    expect(await finishPlanning(db.pool, id, totals)).toBe(true);
    const again = await readJobRow(db.pool, id);
    expect(again.status).toBe('planned');
    expect(again.planned_at).toEqual(first.planned_at);
  });

  it('leaves an ended job as it is (terminal wins)', async () => {
    for (const status of ['completed', 'failed', 'cancelled'] as const) {
      const id = await insertJob(db.pool, { status });
      expect(await finishPlanning(db.pool, id, totals)).toBe(false);
      const job = await readJobRow(db.pool, id);
      expect(job.status).toBe(status);
      expect(job.chunks_total).toBeNull();
      expect(job.planned_at).toBeNull();
    }
  });
});
