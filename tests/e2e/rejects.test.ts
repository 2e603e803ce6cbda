import { useTestSystem, type RunningSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';

const put = async (system: RunningSystem, table: string, body: string, query = '') => {
  const res = await system.fetch(`/v1/jobs/raw?table=${table}${query}`, { method: 'PUT', body });
  expect(res.status).toBe(202);
  return ((await res.json()) as JobView).id;
};

describe('records that cannot be loaded', () => {
  const ctx = useTestSystem({}, { loaders: 1, notifier: false });

  it('keeps ragged rows as rejects with line, reason and raw text, and loads the rest', async () => {
    const csv = [
      'id,name,city',
      '1,Ada,Berlin',
      '2,Grace,Paris,extra', // line 3: too many fields
      '3,"multi',
      'line",Rome',
      '4,Short', // line 6: too few fields
      '',
      '5,Zoë,Oslo',
      '',
    ].join('\n');
    const id = await put(ctx.system, 'ragged', csv);
    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({
      status: 'completed',
      records: 5,
      rows: { loaded: 3, rejected: 2 },
    });
    const rows = await ctx.db.query(
      `SELECT id, name, city FROM ${ctx.system.table('ragged')} ORDER BY id`,
    );
    expect(rows.rows).toEqual([
      // id is inferred as integer now
      { id: 1, name: 'Ada', city: 'Berlin' },
      { id: 3, name: 'multi\nline', city: 'Rome' },
      { id: 5, name: 'Zoë', city: 'Oslo' },
    ]);
    const rejects = await ctx.db.query(
      `SELECT line, byte_offset::int AS offset, code, convert_from(raw, 'UTF8') AS raw
       FROM ingest.rejects WHERE job_id = $1 ORDER BY line`,
      [id],
    );
    const offsetOf = (text: string) => Buffer.byteLength(csv.slice(0, csv.indexOf(text)));
    expect(rejects.rows).toEqual([
      { line: 3, offset: offsetOf('2,Grace'), code: 'TOO_MANY_FIELDS', raw: '2,Grace,Paris,extra' },
      { line: 6, offset: offsetOf('4,Short'), code: 'TOO_FEW_FIELDS', raw: '4,Short' },
    ]);
  });

  it('completes a header-only file with zero rows and creates the table', async () => {
    const id = await put(ctx.system, 'header_only', 'a,b,c\n');
    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({
      status: 'completed',
      records: 0,
      rows: { loaded: 0, rejected: 0 },
    });
    const cols = await ctx.db.query(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'header_only' ORDER BY ordinal_position`,
      [ctx.system.schema],
    );
    expect(cols.rows.map((r: { column_name: string }) => r.column_name)).toEqual(['a', 'b', 'c']);
  });

  it('fails a file without any record with CSV_NO_HEADER', async () => {
    const id = await put(ctx.system, 'blank', '\n\n\n');
    const done = await ctx.system.waitForJob(id);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('CSV_NO_HEADER');
  });

  it('fails a job whose existing table lacks the file columns, naming them', async () => {
    await ctx.db.query(`CREATE TABLE ${ctx.system.table('narrow')} (id text)`);
    const id = await put(ctx.system, 'narrow', 'id,extra\n1,2\n');
    const done = await ctx.system.waitForJob(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'TARGET_COLUMNS_MISSING' });
    expect(done.error?.message).toMatch(/extra/);
  });
});
