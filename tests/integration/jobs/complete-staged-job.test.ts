import { completeStagedJob } from '@ingest/jobs';
import { prepareLoadPlan } from '@ingest/loading';
import { commitChunk, insertJob, readJobRow, useMigratedDatabase } from './job-fixtures';

describe('completeStagedJob', () => {
  const db = useMigratedDatabase();
  let tableNumber = 0;

  /** A target with one old row and a staged job whose stage holds `rows`. */
  async function stagedJob(rows: [number, string][], publish: 'append' | 'replace' = 'replace') {
    const table = `target_${++tableNumber}`;
    await db.pool.query(`CREATE TABLE public.${table} (id integer PRIMARY KEY, name text)`);
    await db.pool.query(`INSERT INTO public.${table} VALUES (1, 'old')`);
    const id = await insertJob(db.pool, {
      status: 'loading',
      chunks_total: 1,
      records_found: rows.length,
      table_name: table,
      columns: ['id', 'name'],
    });
    const plan = await prepareLoadPlan(db.pool, {
      jobId: id,
      schema: 'public',
      table,
      columns: ['id', 'name'],
      mode: publish,
      key: null,
      atomic: true,
    });
    if (plan.kind !== 'staged') throw new Error('expected a staged plan');
    await db.pool.query(`UPDATE ingest.jobs SET load_plan = $2 WHERE id = $1`, [id, plan]);
    for (const [n, name] of rows) {
      await db.pool.query(`INSERT INTO ingest_work.${plan.stage} (id, name) VALUES ($1, $2)`, [
        n,
        name,
      ]);
    }
    const contents = async () =>
      (
        await db.pool.query<{ id: number; name: string }>(
          `SELECT id, name FROM public.${table} ORDER BY id`,
        )
      ).rows;
    const stageExists = async () =>
      (
        await db.pool.query<{ t: string | null }>(
          `SELECT to_regclass('ingest_work.${plan.stage}') AS t`,
        )
      ).rows[0]?.t != null;
    return { id, contents, stageExists };
  }

  it('publishes the stage, completes the job and drops the stage in one transaction', async () => {
    const job = await stagedJob([
      [2, 'b'],
      [3, 'c'],
    ]);
    await commitChunk(db.pool, job.id, 0, { loaded: 2 });
    const settled = await completeStagedJob(db.pool, job.id);
    expect(settled?.moved).toBe(true);
    expect(settled?.job.status).toBe('completed');
    expect(await job.contents()).toEqual([
      { id: 2, name: 'b' },
      { id: 3, name: 'c' },
    ]);
    expect(await job.stageExists()).toBe(false);
  });

  it('changes nothing while chunks are missing (precondition not met)', async () => {
    const job = await stagedJob([[2, 'b']]);
    expect(await completeStagedJob(db.pool, job.id)).toBeNull();
    expect(await job.contents()).toEqual([{ id: 1, name: 'old' }]);
    expect(await job.stageExists()).toBe(true);
    expect((await readJobRow(db.pool, job.id)).status).toBe('loading');
  });

  it('fails by the verdict without publishing, and drops the stage', async () => {
    const job = await stagedJob([[2, 'b']]);
    await commitChunk(db.pool, job.id, 0, { loaded: 0 });
    const settled = await completeStagedJob(db.pool, job.id);
    expect(settled?.job).toMatchObject({ status: 'failed', error_code: 'RECONCILIATION_MISMATCH' });
    expect(await job.contents()).toEqual([{ id: 1, name: 'old' }]);
    expect(await job.stageExists()).toBe(false);
  });

  it('rolls everything back when the publish fails: the job stays live, the stage kept', async () => {
    const job = await stagedJob([[1, 'duplicate key']], 'append');
    await commitChunk(db.pool, job.id, 0, { loaded: 1 });
    await expect(completeStagedJob(db.pool, job.id)).rejects.toMatchObject({ code: '23505' });
    expect((await readJobRow(db.pool, job.id)).status).toBe('loading');
    expect(await job.stageExists()).toBe(true);
    expect(await job.contents()).toEqual([{ id: 1, name: 'old' }]);
  });

  it('repeated: publishes nothing twice', async () => {
    const job = await stagedJob([[2, 'b']], 'append');
    await commitChunk(db.pool, job.id, 0, { loaded: 1 });
    const [a, b] = await Promise.all([
      completeStagedJob(db.pool, job.id),
      completeStagedJob(db.pool, job.id),
    ]);
    expect([a, b].filter((s) => s?.moved)).toHaveLength(1);
    expect(await completeStagedJob(db.pool, job.id)).toBeNull();
    expect(await job.contents()).toEqual([
      { id: 1, name: 'old' },
      { id: 2, name: 'b' },
    ]);
  });

  it('publishes nothing for a job that ended otherwise (terminal wins)', async () => {
    const job = await stagedJob([[2, 'b']]);
    await commitChunk(db.pool, job.id, 0, { loaded: 1 });
    await db.pool.query(`UPDATE ingest.jobs SET status = 'cancelled' WHERE id = $1`, [job.id]);
    expect(await completeStagedJob(db.pool, job.id)).toBeNull();
    expect(await job.contents()).toEqual([{ id: 1, name: 'old' }]);
  });
});
