import { useTestSystem } from '@ingest/testing';

interface DatasetView {
  name: string;
  schema: { columns: { name: string; type: string }[] };
  created_at: string;
}

const schemaOf = (...columns: [string, string][]) => ({
  columns: columns.map(([name, type]) => ({ name, type })),
});

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string } }).error;

describe('datasets: list, create or replace, delete — per tenant', () => {
  const ctx = useTestSystem({}, { loaders: 0, splitter: false, notifier: false });
  let keyA = '';
  let keyB = '';

  const as =
    (key: () => string) =>
    (path: string, init: RequestInit = {}): Promise<Response> =>
      ctx.system.fetch(path, {
        ...init,
        headers: {
          'content-type': 'application/json',
          ...init.headers,
          Authorization: `Bearer ${key()}`,
        },
      });
  const a = as(() => keyA);
  const b = as(() => keyB);
  const put = (client: typeof a, name: string, schema: unknown) =>
    client(`/v1/datasets/${name}`, { method: 'PUT', body: JSON.stringify({ schema }) });

  /** Every dataset of the caller, page by page. */
  const listAll = async (client: typeof a, limit: number) => {
    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const res = await client(`/v1/datasets?limit=${limit}${query}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { datasets: DatasetView[]; next_cursor: string | null };
      names.push(...page.datasets.map((d) => d.name));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 20);
    return { names, pages };
  };

  beforeAll(async () => {
    keyA = await ctx.system.createApiKey('tenant_a');
    keyB = await ctx.system.createApiKey('tenant_b');
  });

  it('PUT creates (201) and then replaces (200) a dataset; GET shows the new schema', async () => {
    const created = await put(a, 'people', schemaOf(['id', 'integer']));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/v1/datasets/people');
    const replaced = await put(a, 'people', schemaOf(['id', 'bigint'], ['name', 'text']));
    expect(replaced.status).toBe(200);
    const got = (await (await a('/v1/datasets/people')).json()) as DatasetView;
    expect(got.schema.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'bigint'],
      ['name', 'text'],
    ]);
  });

  it('PUT refuses a bad schema, a bad name and a body name that differs from the URL', async () => {
    const bad = await put(a, 'broken', { columns: [{ name: 'x', type: 'nonsense' }] });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe('SCHEMA_INVALID');
    const badName = await put(a, '1nvalid', schemaOf(['id', 'integer']));
    expect(badName.status).toBe(400);
    expect((await errorOf(badName)).code).toBe('VALIDATION_FAILED');
    const mismatch = await a('/v1/datasets/people', {
      method: 'PUT',
      body: JSON.stringify({ name: 'other', schema: schemaOf(['id', 'integer']) }),
    });
    expect(mismatch.status).toBe(400);
    expect(await a('/v1/datasets/broken').then((r) => r.status)).toBe(404);
  });

  it("lists the caller's datasets by name, every one exactly once over several pages", async () => {
    for (const name of ['orders', 'accounts', 'zones', 'items']) {
      expect((await put(a, name, schemaOf(['id', 'integer']))).status).toBe(201);
    }
    expect((await put(b, 'b_only', schemaOf(['id', 'integer']))).status).toBe(201);
    const { names, pages } = await listAll(a, 2);
    expect(names).toEqual(['accounts', 'items', 'orders', 'people', 'zones']);
    expect(pages).toBe(3);
    expect((await listAll(b, 50)).names).toEqual(['b_only']);
  });

  it("keeps tenants apart: another tenant's dataset is not found, and the same name is its own", async () => {
    const peek = await b('/v1/datasets/people');
    expect(peek.status).toBe(404);
    expect((await errorOf(peek)).code).toBe('DATASET_NOT_FOUND');
    const del = await b('/v1/datasets/people', { method: 'DELETE' });
    expect(del.status).toBe(404);
    expect((await errorOf(del)).code).toBe('DATASET_NOT_FOUND');
    // B's own "people" is created, not A's replaced.
    expect((await put(b, 'people', schemaOf(['code', 'text']))).status).toBe(201);
    const fromA = (await (await a('/v1/datasets/people')).json()) as DatasetView;
    expect(fromA.schema.columns.map((c) => c.name)).toEqual(['id', 'name']);
    // Uploading with ?dataset= sees only the caller's own.
    const upload = await b('/v1/jobs/raw?table=t&dataset=orders', {
      method: 'PUT',
      body: 'id\n1\n',
    });
    expect(upload.status).toBe(404);
    expect((await errorOf(upload)).code).toBe('DATASET_NOT_FOUND');
  });

  it('DELETE answers 204, then the dataset is gone for its tenant only', async () => {
    const del = await b('/v1/datasets/people', { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    expect((await b('/v1/datasets/people')).status).toBe(404);
    expect((await a('/v1/datasets/people')).status).toBe(200);
    const again = await b('/v1/datasets/people', { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect((await errorOf(again)).code).toBe('DATASET_NOT_FOUND');
    const rows = await ctx.db.query<{ tenant: string; name: string }>(
      "SELECT tenant, name FROM ingest.datasets WHERE name = 'people' ORDER BY tenant",
    );
    expect(rows.rows).toEqual([{ tenant: 'tenant_a', name: 'people' }]);
  });
});
