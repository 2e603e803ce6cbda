import { useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';

interface RejectPage {
  rejects: { line: number; chunk: number; code: string; raw: string }[];
  next_cursor: string | null;
}

const RECORDS = 36_000;
/** Every third record has an id that is not an integer: 12,000 rejects. */
const isBad = (i: number) => i % 3 === 2;
const recordOf = (i: number) => (isBad(i) ? `x${i},name ${i}` : `${i},name ${i}`);

describe('paging through rejects', () => {
  const ctx = useTestSystem({}, { loaders: 1, notifier: false });

  const records = Array.from({ length: RECORDS }, (_, i) => recordOf(i));
  // Line 1 is the header: record i is on line i + 2.
  const badLines = records.flatMap((_, i) => (isBad(i) ? [i + 2] : []));
  const badRecords = records.filter((_, i) => isBad(i));
  let jobId = '';

  beforeAll(async () => {
    const schema = {
      columns: [
        { name: 'id', type: 'integer', required: true },
        { name: 'name', type: 'text' },
      ],
    };
    const dataset = await ctx.system.fetch('/v1/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'paged', schema }),
    });
    expect(dataset.status).toBe(201);
    const csv = `id,name\n${records.join('\n')}\n`;
    const res = await ctx.system.fetch('/v1/jobs/raw?table=paged&dataset=paged&chunk_size=64KiB', {
      method: 'PUT',
      body: csv,
    });
    expect(res.status).toBe(202);
    jobId = ((await res.json()) as JobView).id;
    const done = await ctx.system.waitForJob(jobId);
    expect(done).toMatchObject({
      status: 'completed',
      rows: { loaded: RECORDS - badLines.length, rejected: badLines.length },
    });
    // Several chunks, so rejects of different chunks interleave in the table.
    expect(done.chunks.total).toBeGreaterThan(3);
  });

  it('returns every reject exactly once, in file order, over more than two JSON pages', async () => {
    const seen: RejectPage['rejects'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const res = await ctx.system.fetch(`/v1/jobs/${jobId}/rejects?limit=1000${query}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as RejectPage;
      seen.push(...page.rejects);
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 100);
    expect(pages).toBeGreaterThan(2);
    expect(seen.map((r) => r.line)).toEqual(badLines);
    expect(seen.map((r) => r.raw)).toEqual(badRecords);
    expect(new Set(seen.map((r) => r.code))).toEqual(new Set(['INVALID_INTEGER']));
    expect(new Set(seen.map((r) => r.chunk)).size).toBeGreaterThan(3);
  });

  it('exports the header, then every rejected record exactly once, as CSV', async () => {
    const res = await ctx.system.fetch(`/v1/jobs/${jobId}/rejects?format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('id,name');
    expect(lines.slice(1)).toEqual(badRecords);
  });
});
