import { useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';

const SCHEMA = {
  table: 'orders',
  columns: [
    { name: 'id', type: 'integer', required: true },
    { name: 'amount', type: 'numeric', precision: 10, scale: 2 },
    { name: 'paid', type: 'boolean' },
    { name: 'ordered_on', type: 'date' },
    { name: 'email', type: 'email' },
  ],
};

const MIXED = [
  'id,amount,paid,ordered_on,email',
  '1,12.5,yes,2024-02-29,Ada@Example.COM',
  '2,abc,no,2024-03-01,grace@example.com', // line 3: INVALID_NUMERIC
  '3,7,true,2024-02-30,x@example.com', // line 4: INVALID_DATE
  '4,"1,000",false,2024-01-15,linus@example.org',
  '5,3.25,maybe,2024-01-16,bob@example.org', // line 6: INVALID_BOOLEAN
  '6,1,2,3', // line 7: TOO_FEW_FIELDS
  '7,99.999,n,2023-12-31,',
  '',
].join('\n');

interface RejectsPage {
  rejects: {
    line: number;
    byte_offset: number | null;
    chunk: number;
    column: string | null;
    code: string;
    message: string;
    raw: string;
  }[];
  next_cursor: string | null;
}

describe('normalization: schemas, typed rows, rejects', () => {
  const ctx = useTestSystem({}, { loaders: 2, notifier: false });

  const multipart = async (query: string, csv: string, schema?: unknown) => {
    const form = new FormData();
    if (schema !== undefined) form.append('schema', JSON.stringify(schema));
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'orders.csv');
    return ctx.system.fetch(`/v1/jobs${query}`, { method: 'POST', body: form });
  };

  const put = async (query: string, csv: string) => {
    const res = await ctx.system.fetch(`/v1/jobs/raw${query}`, { method: 'PUT', body: csv });
    expect(res.status).toBe(202);
    return ctx.system.waitForJob(((await res.json()) as JobView).id);
  };

  const columnTypes = async (table: string) =>
    (
      await ctx.db.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = $2 AND table_name = $1 ORDER BY ordinal_position`,
        [table, ctx.system.schema],
      )
    ).rows.map((r) => [r.column_name, r.data_type]);

  const orders = async (table: string) =>
    (
      await ctx.db.query<Record<string, unknown>>(
        `SELECT id, amount::text AS amount, paid, ordered_on::text AS ordered_on, email
         FROM ${ctx.system.table(table)} ORDER BY id`,
      )
    ).rows;

  let declaredJob: JobView;

  it('stores a dataset once per tenant and returns it', async () => {
    const res = await ctx.system.fetch('/v1/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'orders', schema: SCHEMA }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'orders', schema: SCHEMA });
    const again = await ctx.system.fetch('/v1/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'orders', schema: SCHEMA }),
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('DATASET_EXISTS');
    const got = await ctx.system.fetch('/v1/datasets/orders');
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ name: 'orders', schema: SCHEMA });
  });

  it('loads a declared schema into exact typed rows and keeps every bad row with line and code', async () => {
    const res = await multipart('', MIXED, SCHEMA);
    expect(res.status).toBe(202);
    declaredJob = await ctx.system.waitForJob(((await res.json()) as JobView).id);
    expect(declaredJob).toMatchObject({
      status: 'completed',
      table: 't_default.orders',
      records: 7,
      rows: { loaded: 3, rejected: 4 },
      schema_source: 'declared',
      schema: SCHEMA,
    });
    expect(declaredJob.rejects_top).toEqual([
      { code: 'INVALID_BOOLEAN', count: 1 },
      { code: 'INVALID_DATE', count: 1 },
      { code: 'INVALID_NUMERIC', count: 1 },
      { code: 'TOO_FEW_FIELDS', count: 1 },
    ]);
    expect(await columnTypes('orders')).toEqual([
      ['id', 'integer'],
      ['amount', 'numeric'],
      ['paid', 'boolean'],
      ['ordered_on', 'date'],
      ['email', 'text'],
    ]);
    const numeric = await ctx.db.query(
      `SELECT numeric_precision, numeric_scale FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'orders' AND column_name = 'amount'`,
      [ctx.system.schema],
    );
    expect(numeric.rows[0]).toEqual({ numeric_precision: 10, numeric_scale: 2 });
    expect(await orders('orders')).toEqual([
      { id: 1, amount: '12.50', paid: true, ordered_on: '2024-02-29', email: 'Ada@example.com' },
      {
        id: 4,
        amount: '1000.00',
        paid: false,
        ordered_on: '2024-01-15',
        email: 'linus@example.org',
      },
      { id: 7, amount: '100.00', paid: false, ordered_on: '2023-12-31', email: null },
    ]);

    const page = async (query: string) => {
      const r = await ctx.system.fetch(`/v1/jobs/${declaredJob.id}/rejects${query}`);
      expect(r.status).toBe(200);
      return (await r.json()) as RejectsPage;
    };
    const first = await page('?limit=2');
    expect(first.rejects).toEqual([
      {
        line: 3,
        byte_offset: Buffer.byteLength(MIXED.slice(0, MIXED.indexOf('2,abc'))),
        chunk: 0,
        column: 'amount',
        code: 'INVALID_NUMERIC',
        message: 'amount: "abc" is not a number',
        raw: '2,abc,no,2024-03-01,grace@example.com',
      },
      expect.objectContaining({
        line: 4,
        column: 'ordered_on',
        code: 'INVALID_DATE',
        raw: '3,7,true,2024-02-30,x@example.com',
      }),
    ]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await page(`?limit=2&cursor=${first.next_cursor}`);
    expect(second.rejects).toEqual([
      expect.objectContaining({
        line: 6,
        column: 'paid',
        code: 'INVALID_BOOLEAN',
        raw: '5,3.25,maybe,2024-01-16,bob@example.org',
      }),
      expect.objectContaining({ line: 7, column: null, code: 'TOO_FEW_FIELDS', raw: '6,1,2,3' }),
    ]);
    expect(second.next_cursor).toBeNull();
  });

  it('re-uploads the fixed rejects CSV and loads exactly the missing rows', async () => {
    const csv = await ctx.system.fetch(`/v1/jobs/${declaredJob.id}/rejects?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(text).toBe(
      [
        'id,amount,paid,ordered_on,email',
        '2,abc,no,2024-03-01,grace@example.com',
        '3,7,true,2024-02-30,x@example.com',
        '5,3.25,maybe,2024-01-16,bob@example.org',
        '6,1,2,3',
        '',
      ].join('\n'),
    );
    const fixed = text
      .replace('abc', '8.00')
      .replace('2024-02-30', '2024-02-28')
      .replace('maybe', 'no')
      .replace('6,1,2,3', '6,1,yes,2024-01-01,');
    const done = await put('?dataset=orders', fixed);
    expect(done).toMatchObject({
      status: 'completed',
      table: 't_default.orders',
      schema_source: 'dataset',
      rows: { loaded: 4, rejected: 0 },
    });
    expect(await orders('orders')).toEqual([
      { id: 1, amount: '12.50', paid: true, ordered_on: '2024-02-29', email: 'Ada@example.com' },
      { id: 2, amount: '8.00', paid: false, ordered_on: '2024-03-01', email: 'grace@example.com' },
      { id: 3, amount: '7.00', paid: true, ordered_on: '2024-02-28', email: 'x@example.com' },
      {
        id: 4,
        amount: '1000.00',
        paid: false,
        ordered_on: '2024-01-15',
        email: 'linus@example.org',
      },
      { id: 5, amount: '3.25', paid: false, ordered_on: '2024-01-16', email: 'bob@example.org' },
      { id: 6, amount: '1.00', paid: true, ordered_on: '2024-01-01', email: null },
      { id: 7, amount: '100.00', paid: false, ordered_on: '2023-12-31', email: null },
    ]);
  });

  it('infers a schema when none is given: the same file, and a clean one', async () => {
    const mixed = await put('?table=orders_inferred', MIXED);
    expect(mixed).toMatchObject({
      status: 'completed',
      schema_source: 'inferred',
      rows: { loaded: 6, rejected: 1 },
      rejects_top: [{ code: 'TOO_FEW_FIELDS', count: 1 }],
    });
    // abc, maybe and 2024-02-30 are in the samples: those columns stay text.
    expect(await columnTypes('orders_inferred')).toEqual([
      ['id', 'integer'],
      ['amount', 'text'],
      ['paid', 'text'],
      ['ordered_on', 'text'],
      ['email', 'text'],
    ]);
    const first = await ctx.db.query(
      `SELECT * FROM ${ctx.system.table('orders_inferred')} ORDER BY id LIMIT 1`,
    );
    expect(first.rows[0]).toEqual({
      id: 1,
      amount: '12.5',
      paid: 'yes',
      ordered_on: '2024-02-29',
      email: 'Ada@Example.COM',
    });

    const clean = MIXED.split('\n')
      .filter((_l, i) => ![2, 3, 5, 6].includes(i))
      .join('\n');
    const done = await put('?table=orders_clean', clean);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: 3, rejected: 0 } });
    expect((done.schema as { columns: { type: string }[] }).columns.map((c) => c.type)).toEqual([
      'integer',
      'numeric',
      'boolean',
      'date',
      'text',
    ]);
    expect(await columnTypes('orders_clean')).toEqual([
      ['id', 'integer'],
      ['amount', 'numeric'],
      ['paid', 'boolean'],
      ['ordered_on', 'date'],
      ['email', 'text'],
    ]);
  });

  it('loads dates in a declared format as the dates they name, and rejects impossible ones', async () => {
    const csv = [
      'id,ordered_on',
      '1,02/29/2024',
      '2,12/31/0999',
      '3,02/30/2024', // line 4: INVALID_DATE
      '4,1/5/2024',
      '5,2024-03-01',
      '6,',
      '',
    ].join('\n');
    const res = await multipart('?table=us_dates', csv, {
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'ordered_on', type: 'date', format: 'MM/DD/YYYY' },
      ],
    });
    expect(res.status).toBe(202);
    const job = await ctx.system.waitForJob(((await res.json()) as JobView).id);
    expect(job).toMatchObject({ status: 'completed', rows: { loaded: 5, rejected: 1 } });
    expect(job.rejects_top).toEqual([{ code: 'INVALID_DATE', count: 1 }]);
    const rows = await ctx.db.query<{ id: number; ordered_on: string | null }>(
      `SELECT id, ordered_on::text AS ordered_on FROM ${ctx.system.table('us_dates')} ORDER BY id`,
    );
    expect(rows.rows).toEqual([
      { id: 1, ordered_on: '2024-02-29' },
      { id: 2, ordered_on: '0999-12-31' },
      { id: 4, ordered_on: '2024-01-05' },
      { id: 5, ordered_on: '2024-03-01' },
      { id: 6, ordered_on: null },
    ]);
  });

  it('refuses a bad schema with 400 SCHEMA_INVALID naming the path, storing nothing', async () => {
    const before = await ctx.db.query('SELECT count(*)::int AS n FROM ingest.jobs');
    const res = await multipart('?table=bad_schema', MIXED, {
      columns: [{ name: 'id', type: 'integr' }],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SCHEMA_INVALID');
    expect(body.error.message).toMatch(/^columns\[0\]\.type: /);
    const after = await ctx.db.query('SELECT count(*)::int AS n FROM ingest.jobs');
    expect(after.rows[0]).toEqual(before.rows[0]);

    const dataset = await ctx.system.fetch('/v1/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bad',
        schema: { columns: [{ name: 'x', type: 'text', nulable: true }] },
      }),
    });
    expect(dataset.status).toBe(400);
    expect(((await dataset.json()) as { error: { message: string } }).error.message).toMatch(
      /columns\[0\]/,
    );
    const missing = await ctx.system.fetch('/v1/jobs/raw?dataset=nope', {
      method: 'PUT',
      body: MIXED,
    });
    expect(missing.status).toBe(404);
  });

  it('fails a job beyond its reject budget with REJECT_BUDGET_EXCEEDED (count or share)', async () => {
    const count = await put('?dataset=orders&table=orders_budget&max_rejects=2', MIXED);
    expect(count.status).toBe('failed');
    expect(count.error?.code).toBe('REJECT_BUDGET_EXCEEDED');
    const share = await put('?dataset=orders&table=orders_budget_share&max_rejects=50%25', MIXED);
    expect(share.status).toBe('failed');
    expect(share.error?.code).toBe('REJECT_BUDGET_EXCEEDED');
    const within = await put('?dataset=orders&table=orders_budget_ok&max_rejects=60%25', MIXED);
    expect(within).toMatchObject({ status: 'completed', rows: { loaded: 3, rejected: 4 } });
  });

  it("shows another tenant neither the job's rejects nor the dataset", async () => {
    const other = await ctx.system.createApiKey('other-tenant');
    const headers = { Authorization: `Bearer ${other}` };
    for (const path of [
      `/v1/jobs/${declaredJob.id}/rejects`,
      `/v1/jobs/${declaredJob.id}/rejects?format=csv`,
      '/v1/datasets/orders',
    ]) {
      const res = await ctx.system.fetch(path, { headers });
      expect(res.status).toBe(404);
    }
  });
});
