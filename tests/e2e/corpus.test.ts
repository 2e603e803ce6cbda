import { useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { CORPUS, MAX_DECOMPRESSED_BYTES, MAX_RECORD_BYTES } from '../corpus/corpus-cases';

describe('corpus of malformed and unusual files, end to end', () => {
  const ctx = useTestSystem(
    {
      INGEST_MAX_RECORD_BYTES: String(MAX_RECORD_BYTES),
      INGEST_MAX_DECOMPRESSED_BYTES: String(MAX_DECOMPRESSED_BYTES),
    },
    { loaders: 2, notifier: false },
  );

  it('has at least 30 cases', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CORPUS.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const table = `corpus_${i}`;
    const res = await ctx.system.fetch(`/v1/jobs/raw?table=${table}${c.query ?? ''}`, {
      method: 'PUT',
      body: c.bytes,
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    const job = await ctx.system.waitForJob(id);
    const { expect: want } = c;
    expect({ status: job.status, code: job.error?.code }).toEqual({
      status: want.status,
      code: want.errorCode,
    });
    if (want.loaded !== undefined) expect(job.rows.loaded).toBe(want.loaded);
    if (want.rejected !== undefined) expect(job.rows.rejected).toBe(want.rejected);
    if (want.dialect) expect(job.dialect).toMatchObject(want.dialect);
    if (want.rejectCodes) {
      const rejects = await ctx.db.query<{ code: string }>(
        'SELECT code FROM ingest.rejects WHERE job_id = $1 ORDER BY line',
        [id],
      );
      expect(rejects.rows.map((r) => r.code)).toEqual(want.rejectCodes);
    }
    if (want.columns) {
      const cols = await ctx.db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
         WHERE table_schema = $2 AND table_name = $1 ORDER BY ordinal_position`,
        [table, ctx.system.schema],
      );
      expect(cols.rows.map((r) => r.column_name)).toEqual(want.columns);
    }
    if (want.firstRow) {
      const first = Object.keys(want.firstRow)[0] ?? 'id';
      const rows = await ctx.db.query(
        `SELECT * FROM ${ctx.system.table(table)} ORDER BY "${first}" LIMIT 1`,
      );
      expect(rows.rows[0]).toEqual(want.firstRow);
    }
    if (job.status === 'completed') {
      // Reconciliation: every record found is loaded or rejected.
      expect(job.rows.loaded + job.rows.rejected).toBe(job.records);
    }
  });
});
