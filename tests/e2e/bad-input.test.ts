import { seededRandom, useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { deflateRawSync, gzipSync } from 'node:zlib';

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string } }).error;

/** A ZIP archive's local file headers, each with its deflated member (what a reader sees first). */
function zip(members: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(members).flatMap(([name, body]) => {
      const data = deflateRawSync(Buffer.from(body));
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt16LE(8, 8);
      header.writeUInt32LE(data.length, 18);
      header.writeUInt32LE(body.length, 22);
      header.writeUInt16LE(Buffer.byteLength(name), 26);
      return [header, Buffer.from(name), data];
    }),
  );
}

const XLSX = zip({
  '[Content_Types].xml': '<?xml version="1.0"?><Types></Types>',
  '_rels/.rels': '<?xml version="1.0"?><Relationships/>',
  'xl/workbook.xml': '<?xml version="1.0"?><workbook/>',
  'xl/worksheets/sheet1.xml': '<?xml version="1.0"?><worksheet/>',
});

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000100000001008060000001ff3ff61', 'hex'),
  Buffer.alloc(3000, 0x78),
]);

const PDF = Buffer.from(
  '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
  'latin1',
);

const JSON_ROWS = Buffer.from(
  JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}`, tags: ['a'] }))),
);

const random = seededRandom(13);
const RANDOM_BYTES = Buffer.from(Array.from({ length: 8192 }, () => Math.floor(random() * 256)));

/** What `curl -F file=@people.csv` sends, here sent to the raw route as if it were the file. */
async function multipartEnvelope(): Promise<Buffer> {
  const form = new FormData();
  form.append('file', new Blob(['id,name\n1,a\n2,b\n']), 'people.csv');
  return Buffer.from(await new Response(form).arrayBuffer());
}

describe('bad input gets a clear answer', () => {
  const ctx = useTestSystem({}, { loaders: 1, notifier: false });

  const jobCount = async () =>
    (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest.jobs')).rows[0]?.n;

  const putRaw = (query: string, body: Buffer | string) =>
    ctx.system.fetch(`/v1/jobs/raw?${query}`, { method: 'PUT', body });

  const loadRaw = async (query: string, body: Buffer | string): Promise<JobView> => {
    const res = await putRaw(query, body);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    return ctx.system.waitForJob(id);
  };

  /** The job's messages were acknowledged, not dead-lettered: nothing in ingest.dead_letters. */
  const expectNotDeadLettered = async (jobId: string) => {
    // The dead-letter consumer records what reaches its queue within milliseconds.
    await new Promise((r) => setTimeout(r, 1500));
    const { rows } = await ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ingest.dead_letters WHERE job_id = $1',
      [jobId],
    );
    expect(rows[0]?.n).toBe(0);
  };

  describe('a file that is not CSV is refused with 415 UNSUPPORTED_FORMAT as its first bytes arrive', () => {
    it.each<[name: string, body: () => Buffer | Promise<Buffer>, message: RegExp]>([
      ['PNG', () => PNG, /the file is a PNG image, not CSV/],
      ['PDF', () => PDF, /a PDF document/],
      ['xlsx', () => XLSX, /an Excel workbook \(\.xlsx\).*export the sheet as CSV/],
      ['JSON', () => JSON_ROWS, /the file is JSON, not CSV/],
      ['random bytes', () => RANDOM_BYTES, /binary data/],
      ['a multipart envelope on the raw route', multipartEnvelope, /multipart\/form-data body/],
    ])('%s (raw PUT)', async (_name, body, message) => {
      const before = await jobCount();
      const res = await putRaw('table=not_csv', await body());
      expect(res.status).toBe(415);
      const error = await errorOf(res);
      expect(error.code).toBe('UNSUPPORTED_FORMAT');
      expect(error.message).toMatch(message);
      expect(await jobCount()).toBe(before);
    });

    it('an .xlsx sent as a form is refused the same way', async () => {
      const form = new FormData();
      form.append('file', new Blob([XLSX]), 'people.xlsx');
      const res = await ctx.system.fetch('/v1/jobs?table=people_xlsx', {
        method: 'POST',
        body: form,
      });
      expect(res.status).toBe(415);
      expect(await errorOf(res)).toMatchObject({
        code: 'UNSUPPORTED_FORMAT',
        message: expect.stringMatching(/Excel workbook.*CSV/) as unknown,
      });
    });
  });

  it('UTF-16 declared without a BOM is not taken for binary data', async () => {
    const job = await loadRaw(
      'table=utf16_no_bom&encoding=utf-16le',
      Buffer.from('id,name\n1,Zoë\n2,Ada\n', 'utf16le'),
    );
    expect(job).toMatchObject({ status: 'completed', rows: { loaded: 2 } });
  });

  it('a gzip-wrapped PNG fails its job with UNSUPPORTED_FORMAT, not dead-lettered', async () => {
    const job = await loadRaw('table=gz_png', gzipSync(PNG));
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message: expect.stringMatching(/PNG image/) as unknown,
    });
    await expectNotDeadLettered(job.id);
  });

  it('a NUL byte in the header record is CSV_INVALID_HEADER, not dead-lettered', async () => {
    const job = await loadRaw('table=nul_header&header=true', 'id,na\0me\n1,a\n2,b\n');
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'CSV_INVALID_HEADER',
      message: expect.stringMatching(/line 1.*NUL byte in column 2/) as unknown,
    });
    await expectNotDeadLettered(job.id);
  });

  it('an unclosed quote in the header record says so, naming the line', async () => {
    const job = await loadRaw('table=open_header&header=true', '\nid,"name\n1,a\n2,b\n');
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'CSV_QUOTE_NOT_CLOSED',
      message: expect.stringMatching(/header record \(line 2\)/) as unknown,
    });
    await expectNotDeadLettered(job.id);
  });

  it('with header=false an unclosed quote in the first record is a reject like any other', async () => {
    const job = await loadRaw('table=open_first&header=false', '1,"a\n2,b\n3,c\n');
    expect(job).toMatchObject({ status: 'completed', rows: { loaded: 0, rejected: 1 } });
    const { rows } = await ctx.db.query<{ code: string; line: string }>(
      'SELECT code, line FROM ingest.rejects WHERE job_id = $1',
      [job.id],
    );
    expect(rows).toEqual([{ code: 'CSV_QUOTE_NOT_CLOSED', line: expect.anything() as unknown }]);
  });

  it('the sniffer keeps " when no other quote is used: the header is never loaded as a row', async () => {
    // Read with `"`, the header's quote never closes (with `'` it would have loaded `"a`, `b`).
    const job = await loadRaw('table=quote_sniff', '"a,b\n1,2\n');
    expect(job).toMatchObject({ status: 'failed', rows: { loaded: 0 } });
    expect(job.error).toMatchObject({
      code: 'CSV_QUOTE_NOT_CLOSED',
      message: expect.stringMatching(/header record \(line 1\)/) as unknown,
    });
    const loaded = await loadRaw('table=quote_sniff_ok', 'id,name\n1,"a,b"\n2,c\n');
    expect(loaded).toMatchObject({ status: 'completed', dialect: { quote: '"' } });
  });

  it('a catastrophic-backtracking replace pattern ends quickly (RE2)', async () => {
    const schema = {
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'v', type: 'text', transforms: [{ type: 'replace', pattern: '(a+)+$' }] },
      ],
    };
    const cell = `${'a'.repeat(40)}!`;
    const csv = `id,v\n${Array.from({ length: 200 }, (_, i) => `${i},${cell}`).join('\n')}\n`;
    const form = new FormData();
    form.append('schema', JSON.stringify(schema));
    form.append('file', new Blob([csv]), 'redos.csv');
    const started = Date.now();
    const res = await ctx.system.fetch('/v1/jobs?table=redos', { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    const job = await ctx.system.waitForJob(id, 20_000);
    expect(job).toMatchObject({ status: 'completed', rows: { loaded: 200 } });
    expect(Date.now() - started).toBeLessThan(15_000);
    const { rows } = await ctx.db.query<{ v: string }>(
      `SELECT DISTINCT v FROM ${ctx.system.table('redos')}`,
    );
    expect(rows).toEqual([{ v: cell }]);
  });

  it('a backreference pattern is refused at schema validation', async () => {
    const schema = {
      columns: [{ name: 'v', type: 'text', transforms: [{ type: 'replace', pattern: '(a)\\1' }] }],
    };
    const form = new FormData();
    form.append('schema', JSON.stringify(schema));
    form.append('file', new Blob(['v\na\n']), 'x.csv');
    const res = await ctx.system.fetch('/v1/jobs?table=backref', { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({
      code: 'SCHEMA_INVALID',
      message: expect.stringMatching(/transforms\[0\]\.pattern.*RE2/) as unknown,
    });
  });
});
