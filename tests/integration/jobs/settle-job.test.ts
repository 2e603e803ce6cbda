import { markAnnounced, settleJob } from '@ingest/jobs';
import { commitChunk, insertJob, readJobRow, useMigratedDatabase } from './job-fixtures';

const chunkLoaded = { loaded: true, publishing: false };
const settleOnly = { loaded: false, publishing: false };

describe('settleJob', () => {
  const db = useMigratedDatabase();

  it('moves a job to loading after its first chunk, with the view the change needs', async () => {
    const id = await insertJob(db.pool, { status: 'planned', chunks_total: 2, records_found: 20 });
    await commitChunk(db.pool, id, 0, { loaded: 10, bytes: 50 });
    const settled = await settleJob(db.pool, id, chunkLoaded);
    expect(settled?.moved).toBe(true);
    expect(settled?.job.status).toBe('loading');
    expect(settled?.job.loading_at).toBeInstanceOf(Date);
    expect(settled?.progress).toMatchObject({
      chunksDone: 1,
      rowsLoaded: 10,
      rowsRejected: 0,
      bytesDone: 50,
      chunkIndexes: [0],
      rejectsTop: [],
    });
  });

  it('changes nothing while chunks are missing and the job is already loading', async () => {
    const id = await insertJob(db.pool, { status: 'loading', chunks_total: 3, records_found: 30 });
    await commitChunk(db.pool, id, 0, { loaded: 10 });
    await commitChunk(db.pool, id, 1, { loaded: 10 });
    const before = await readJobRow(db.pool, id);
    const settled = await settleJob(db.pool, id, chunkLoaded);
    expect(settled?.moved).toBe(false);
    expect(settled?.progress.chunksDone).toBe(2);
    // No chunk list is read when nothing changed: the hot path stays O(1) per chunk.
    expect(settled?.progress.chunkIndexes).toBeUndefined();
    expect((await readJobRow(db.pool, id)).updated_at).toEqual(before.updated_at);
  });

  it('does not move a job to loading for a caller that loaded nothing', async () => {
    const id = await insertJob(db.pool, { status: 'stored' });
    const settled = await settleJob(db.pool, id, settleOnly);
    expect(settled?.moved).toBe(false);
    expect(settled?.job.status).toBe('stored');
  });

  it('completes a job whose ledger accounts for every record', async () => {
    const id = await insertJob(db.pool, { status: 'loading', chunks_total: 2, records_found: 20 });
    await commitChunk(db.pool, id, 0, { loaded: 10 });
    await commitChunk(db.pool, id, 1, { loaded: 8, rejected: 2 });
    const settled = await settleJob(db.pool, id, chunkLoaded);
    expect(settled?.moved).toBe(true);
    expect(settled?.job).toMatchObject({ status: 'completed', error_code: null });
    expect(settled?.job.completed_at).toBeInstanceOf(Date);
    expect(settled?.progress).toMatchObject({ rowsLoaded: 18, rowsRejected: 2 });
    expect(settled?.progress.chunkIndexes?.sort()).toEqual([0, 1]);
  });

  it('ends a planned job straight from its only chunk, with the loading timing set', async () => {
    const id = await insertJob(db.pool, { status: 'planned', chunks_total: 1, records_found: 5 });
    await commitChunk(db.pool, id, 0, { loaded: 5 });
    const settled = await settleJob(db.pool, id, chunkLoaded);
    expect(settled?.job.status).toBe('completed');
    expect(settled?.job.loading_at).toBeInstanceOf(Date);
  });

  it('dates the loading start by the first chunk when the job ends without having had one', async () => {
    // The chunk committed while the upload was still 'receiving' (its settle moved nothing),
    // the upload's end left the job 'stored', and the plan's settle ends it.
    const id = await insertJob(db.pool, { status: 'stored', chunks_total: 1, records_found: 5 });
    await commitChunk(db.pool, id, 0, { loaded: 5 });
    const { rows } = await db.pool.query<{ at: Date }>(
      'SELECT committed_at AS at FROM ingest.chunk_ledger WHERE job_id = $1',
      [id],
    );
    const settled = await settleJob(db.pool, id, settleOnly);
    expect(settled?.job.status).toBe('completed');
    expect(settled?.job.loading_at).toEqual(rows[0]?.at);
  });

  it('fails a job whose ledger does not reconcile with the records found', async () => {
    const id = await insertJob(db.pool, { status: 'loading', chunks_total: 1, records_found: 20 });
    await commitChunk(db.pool, id, 0, { loaded: 19 });
    const settled = await settleJob(db.pool, id, chunkLoaded);
    expect(settled?.job).toMatchObject({
      status: 'failed',
      error_code: 'RECONCILIATION_MISMATCH',
      error_message:
        'the splitter found 20 records but loaders accounted for 19 (loaded + rejected)',
    });
  });

  it('judges a count budget as soon as it is exceeded', async () => {
    const id = await insertJob(db.pool, {
      status: 'loading',
      chunks_total: 3,
      records_found: 30,
      max_rejects_count: 2,
    });
    await commitChunk(db.pool, id, 0, { loaded: 8, rejected: 2 });
    expect((await settleJob(db.pool, id, chunkLoaded))?.job.status).toBe('loading');
    await commitChunk(db.pool, id, 1, { loaded: 9, rejected: 1 });
    const settled = await settleJob(db.pool, id, chunkLoaded);
    expect(settled?.job).toMatchObject({
      status: 'failed',
      error_code: 'REJECT_BUDGET_EXCEEDED',
      error_message: '3 rows rejected so far, more than max_rejects allows (2)',
    });
  });

  it('judges a share budget only once every chunk is in', async () => {
    const id = await insertJob(db.pool, {
      status: 'loading',
      chunks_total: 2,
      records_found: 20,
      max_rejects_ratio: 0.2,
    });
    await commitChunk(db.pool, id, 0, { loaded: 5, rejected: 5 });
    expect((await settleJob(db.pool, id, chunkLoaded))?.job.status).toBe('loading');
    await commitChunk(db.pool, id, 1, { loaded: 10 });
    const settled = await settleJob(db.pool, id, chunkLoaded);
    expect(settled?.job).toMatchObject({
      status: 'failed',
      error_code: 'REJECT_BUDGET_EXCEEDED',
      error_message: '5 of 20 rows were rejected, more than max_rejects allows (20%)',
    });
  });

  it('leaves a staged job to its publish: publishDue, no change', async () => {
    const plan = { kind: 'staged', stage: 'stage_x', publish: 'replace', key: null };
    const id = await insertJob(db.pool, {
      status: 'loading',
      chunks_total: 1,
      records_found: 10,
      load_plan: plan,
    });
    await commitChunk(db.pool, id, 0, { loaded: 10 });
    const settled = await settleJob(db.pool, id, chunkLoaded);
    expect(settled).toMatchObject({ moved: false, publishDue: true });
    expect(settled?.job.status).toBe('loading');
  });

  it('fails a staged job by its verdict without publishing', async () => {
    const plan = { kind: 'staged', stage: 'stage_y', publish: 'append', key: null };
    const id = await insertJob(db.pool, {
      status: 'loading',
      chunks_total: 1,
      records_found: 10,
      load_plan: plan,
    });
    await commitChunk(db.pool, id, 0, { loaded: 9 });
    const settled = await settleJob(db.pool, id, chunkLoaded);
    expect(settled).toMatchObject({ moved: true, publishDue: false });
    expect(settled?.job.error_code).toBe('RECONCILIATION_MISMATCH');
  });

  it('repeated: nothing changes; the ended job comes with its view until announced', async () => {
    const id = await insertJob(db.pool, { status: 'loading', chunks_total: 1, records_found: 3 });
    await commitChunk(db.pool, id, 0, { loaded: 3 });
    const first = await settleJob(db.pool, id, chunkLoaded);
    const again = await settleJob(db.pool, id, chunkLoaded);
    expect(again?.moved).toBe(false);
    expect(again?.job.status).toBe('completed');
    expect(again?.job.completed_at).toEqual(first?.job.completed_at);
    expect(again?.progress.chunkIndexes).toEqual([0]);
    await markAnnounced(db.pool, id);
    expect((await settleJob(db.pool, id, chunkLoaded))?.progress.chunkIndexes).toBeUndefined();
  });

  it('does not end a job that ended otherwise (terminal wins)', async () => {
    for (const status of ['cancelled', 'failed'] as const) {
      const id = await insertJob(db.pool, { status, chunks_total: 1, records_found: 9 });
      await commitChunk(db.pool, id, 0, { loaded: 3 });
      const settled = await settleJob(db.pool, id, chunkLoaded);
      expect(settled?.moved).toBe(false);
      expect(await readJobRow(db.pool, id)).toMatchObject({ status, error_code: null });
    }
  });

  it('lets exactly one of concurrent callers end the job', async () => {
    const id = await insertJob(db.pool, { status: 'loading', chunks_total: 2, records_found: 4 });
    await commitChunk(db.pool, id, 0, { loaded: 2 });
    await commitChunk(db.pool, id, 1, { loaded: 2 });
    const all = await Promise.all([1, 2, 3, 4].map(() => settleJob(db.pool, id, chunkLoaded)));
    expect(all.filter((s) => s?.moved)).toHaveLength(1);
    expect(all.every((s) => s?.job.status === 'completed')).toBe(true);
  });

  it('knows no unknown job', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await settleJob(db.pool, unknown, chunkLoaded)).toBeNull();
  });
});
