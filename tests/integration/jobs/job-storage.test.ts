import {
  claimUnpickedJobs,
  deleteEndedJob,
  markPlanningStarted,
  removeExpiredObjects,
} from '@ingest/jobs';
import { insertJob, readJobRow, useMigratedDatabase } from './job-fixtures';

/** The job-row side of storage housekeeping, against the real database. */
describe('job storage housekeeping', () => {
  const db = useMigratedDatabase();

  /** An ended job that ended `secondsAgo`, kept for `retention` seconds. */
  const endedJob = async (secondsAgo: number, retention: number, status = 'completed') => {
    const id = await insertJob(db.pool, { status: status as 'completed' });
    await db.pool.query(
      `UPDATE ingest.jobs SET completed_at = now() - $2 * interval '1 second',
         object_retention_seconds = $3 WHERE id = $1`,
      [id, secondsAgo, retention],
    );
    return id;
  };

  it('removes the objects of ended jobs past their retention only, never of a live job', async () => {
    const due = [await endedJob(10, 5), await endedJob(1, 0, 'failed'), await endedJob(0, 0)];
    const kept = await endedJob(10, 3600);
    const live = await insertJob(db.pool, { status: 'loading' });
    // A live job with an old completed_at cannot exist, but the status alone must protect it.
    await db.pool.query(
      `UPDATE ingest.jobs SET completed_at = now() - interval '1 day' WHERE id = $1`,
      [live],
    );
    const seen: string[] = [];
    const removed = await removeExpiredObjects(db.pool, 100, (job) => {
      seen.push(job.id);
      return Promise.resolve();
    });
    expect(new Set(removed)).toEqual(new Set(due));
    expect(new Set(seen)).toEqual(new Set(due));
    for (const id of due)
      expect((await readJobRow(db.pool, id)).object_removed_at).toBeInstanceOf(Date);
    expect((await readJobRow(db.pool, kept)).object_removed_at).toBeNull();
    expect((await readJobRow(db.pool, live)).object_removed_at).toBeNull();
    // Marked: a later pass finds nothing.
    expect(await removeExpiredObjects(db.pool, 100, () => Promise.resolve())).toEqual([]);
  });

  it('lets replicas sweeping at once take disjoint jobs', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => endedJob(5, 0)));
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    // The first sweeper holds its batch while the second one runs.
    const first = removeExpiredObjects(db.pool, 3, () => held);
    await new Promise((r) => setTimeout(r, 200));
    const second = await removeExpiredObjects(db.pool, 100, () => Promise.resolve());
    release();
    const firstIds = await first;
    expect(firstIds).toHaveLength(3);
    expect(second).toHaveLength(3);
    expect(new Set([...firstIds, ...second])).toEqual(new Set(ids));
  });

  it('keeps the jobs of a failed removal for a later pass', async () => {
    const [a, b] = [await endedJob(5, 0), await endedJob(4, 0)];
    await expect(
      removeExpiredObjects(db.pool, 10, (job) =>
        job.id === b ? Promise.reject(new Error('storage down')) : Promise.resolve(),
      ),
    ).rejects.toThrow('storage down');
    expect((await readJobRow(db.pool, a)).object_removed_at).toBeInstanceOf(Date);
    expect((await readJobRow(db.pool, b)).object_removed_at).toBeNull();
  });

  it('claims a stored job never picked up, at most once per grace period', async () => {
    const lost = await insertJob(db.pool, { status: 'stored' });
    const picked = await insertJob(db.pool, { status: 'stored' });
    const fresh = await insertJob(db.pool, { status: 'stored' });
    await db.pool.query(
      `UPDATE ingest.jobs SET created_at = now() - interval '1 minute' WHERE id = ANY($1::uuid[])`,
      [[lost, picked]],
    );
    await markPlanningStarted(db.pool, picked);
    const claimed = await claimUnpickedJobs(db.pool, 10_000, 100);
    expect(claimed).toContain(lost);
    expect(claimed).not.toContain(picked);
    expect(claimed).not.toContain(fresh);
    expect(await claimUnpickedJobs(db.pool, 10_000, 100)).not.toContain(lost);
    await db.pool.query(
      `UPDATE ingest.jobs SET republished_at = now() - interval '11 seconds' WHERE id = $1`,
      [lost],
    );
    expect(await claimUnpickedJobs(db.pool, 10_000, 100)).toContain(lost);
  });

  it('deletes an ended job of the tenant only', async () => {
    const ended = await endedJob(1, 3600);
    await db.pool.query(`UPDATE ingest.jobs SET tenant = 'a' WHERE id = $1`, [ended]);
    const live = await insertJob(db.pool, { status: 'planned' });
    await db.pool.query(`UPDATE ingest.jobs SET tenant = 'a' WHERE id = $1`, [live]);
    expect(await deleteEndedJob(db.pool, ended, 'b')).toEqual({ kind: 'missing' });
    expect(await deleteEndedJob(db.pool, live, 'a')).toEqual({ kind: 'live', status: 'planned' });
    const outcome = await deleteEndedJob(db.pool, ended, 'a');
    expect(outcome).toMatchObject({ kind: 'deleted', job: { id: ended } });
    expect(await deleteEndedJob(db.pool, ended, 'a')).toEqual({ kind: 'missing' });
    expect((await readJobRow(db.pool, live)).status).toBe('planned');
  });
});
