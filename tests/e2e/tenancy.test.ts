import { authorizedFetch, useTestSystem, waitForJob } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * Tenants cannot touch each other's tables: each loads into its own schema
 * (`t_<tenant>`, created on first use, or one an operator set with the keys
 * CLI), so the same `table` from two tenants is two tables — in every load
 * mode. Checked through the API (job views, listings) and in Postgres.
 */
interface ErrorBody {
  error: { code: string; message: string };
}

type Row = [id: number, name: string];
const csvOf = (rows: Row[]) => `id,name\n${rows.map(([id, name]) => `${id},${name}`).join('\n')}\n`;
/** Enough rows for several chunks at the smallest chunk size. */
const rowsOf = (from: number, to: number, name: string): Row[] =>
  Array.from({ length: to - from + 1 }, (_, i): Row => [from + i, name]);

/** What a table holds after `before` and a job of `mode` loading `rows` (file order). */
function expectedAfter(mode: string, before: Row[], rows: Row[]): Row[] {
  if (mode === 'replace') return rows;
  if (mode === 'append') return [...before, ...rows];
  const byId = new Map(before);
  for (const [id, name] of rows) byId.set(id, name);
  return [...byId.entries()];
}
const sorted = (rows: Row[]) =>
  [...rows]
    .sort(([a, x], [b, y]) => a - b || x.localeCompare(y))
    .map(([id, name]) => ({ id, name }));

const ROOT = resolve(__dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

describe('tenant isolation', () => {
  const ctx = useTestSystem({}, { loaders: 2 });
  const keys: Record<string, string> = {};

  const as = (tenant: string) => {
    const key = keys[tenant] ?? '';
    const fetch = (path: string, init?: RequestInit) =>
      authorizedFetch(ctx.system.baseUrl, key, path, init);
    return {
      fetch,
      async load(query: string, body: string): Promise<JobView> {
        const res = await fetch(`/v1/jobs/raw?chunk_size=1KiB&${query}`, { method: 'PUT', body });
        expect(res.status).toBe(202);
        const { id } = (await res.json()) as JobView;
        return waitForJob(ctx.system.baseUrl, key, id, 60_000);
      },
    };
  };

  const tableRows = async (schema: string, table: string) =>
    (
      await ctx.db.query<{ id: number; name: string }>(
        `SELECT id, name FROM "${schema}"."${table}" ORDER BY id, name`,
      )
    ).rows;
  const relationExists = async (schema: string, table: string) =>
    (
      await ctx.db.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [
        `"${schema}"."${table}"`,
      ])
    ).rows[0]?.t != null;
  const schemaExists = async (schema: string) =>
    ((await ctx.db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount ??
      0) > 0;

  const keysCli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        TSX,
        ['scripts/keys.ts', ...args],
        { cwd: ROOT, env: { ...process.env, DATABASE_URL: ctx.t.databaseUrl } },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          done({ code, stdout, stderr });
        },
      );
    });

  beforeAll(async () => {
    for (const tenant of ['acme', 'globex', 'initech', 'umbrella']) {
      keys[tenant] = await ctx.system.createApiKey(tenant);
    }
  });

  it("creates a tenant's schema on its first upload, and records the mapping", async () => {
    expect(await schemaExists('t_acme')).toBe(false);
    const done = await as('acme').load('table=first_use', csvOf(rowsOf(1, 3, 'a')));
    expect(done).toMatchObject({ status: 'completed', table: 't_acme.first_use' });
    expect(await schemaExists('t_acme')).toBe(true);
    expect(await relationExists('public', 'first_use')).toBe(false);
    const mapping = await ctx.db.query(
      `SELECT schema_name, set_by FROM ingest.tenants WHERE tenant = 'acme'`,
    );
    expect(mapping.rows).toEqual([{ schema_name: 't_acme', set_by: 'auto' }]);
  });

  it.each([
    ['append', 'mode=append'],
    ['upsert', 'mode=upsert&key=id'],
    ['replace', 'mode=replace'],
    ['append', 'mode=append&atomic=true'],
    ['upsert', 'mode=upsert&key=id&atomic=true'],
    ['replace', 'mode=replace&atomic=true'],
  ])(
    '%s (%s): the same table name from two tenants is two tables',
    async (mode, query) => {
      const table = `orders_${createHash('sha256').update(query).digest('hex').slice(0, 8)}`;
      const acme = as('acme');
      const globex = as('globex');
      let acmeRows: Row[] = [];
      let globexRows: Row[] = [];

      const a1 = rowsOf(1, 150, 'acme');
      const first = await acme.load(`table=${table}&${query}`, csvOf(a1));
      expect(first).toMatchObject({ status: 'completed', table: `t_acme.${table}` });
      acmeRows = expectedAfter(mode, acmeRows, a1);

      // Globex loads the same table name with overlapping ids, in the same mode.
      const g1 = rowsOf(100, 300, 'globex');
      const second = await globex.load(`table=${table}&${query}`, csvOf(g1));
      expect(second).toMatchObject({
        status: 'completed',
        table: `t_globex.${table}`,
        rows: { loaded: g1.length, rejected: 0 },
      });
      globexRows = expectedAfter(mode, globexRows, g1);
      expect(await tableRows('t_acme', table)).toEqual(sorted(acmeRows));
      expect(await tableRows('t_globex', table)).toEqual(sorted(globexRows));

      // And again the other way round: acme's second load leaves globex's table as it was.
      const a2 = rowsOf(120, 180, 'acme2');
      const third = await acme.load(`table=${table}&${query}`, csvOf(a2));
      expect(third).toMatchObject({ status: 'completed', table: `t_acme.${table}` });
      acmeRows = expectedAfter(mode, acmeRows, a2);
      expect(await tableRows('t_acme', table)).toEqual(sorted(acmeRows));
      expect(await tableRows('t_globex', table)).toEqual(sorted(globexRows));
      expect(await relationExists('public', table)).toBe(false);

      // Through the API: each tenant sees only its own jobs, and not the other's by id.
      const listed = (await (await globex.fetch('/v1/jobs')).json()) as { jobs: JobView[] };
      expect(listed.jobs.map((j) => j.id)).toContain(second.id);
      expect(listed.jobs.map((j) => j.id)).not.toContain(first.id);
      expect((await globex.fetch(`/v1/jobs/${third.id}`)).status).toBe(404);
      expect((await acme.fetch(`/v1/jobs/${second.id}`)).status).toBe(404);
    },
    120_000,
  );

  it('honours a schema an operator set with the keys CLI, and checks it', async () => {
    await ctx.db.query('CREATE SCHEMA reporting');
    await ctx.db.query('CREATE TABLE reporting.orders (id integer, name text)');
    await ctx.db.query(`INSERT INTO reporting.orders VALUES (0, 'kept')`);

    const refused: [string[], number, RegExp][] = [
      [['tenant', 'set-schema', 'initech', 'ingest'], 2, /reserved for the system/],
      [['tenant', 'set-schema', 'initech', 'a-b'], 2, /not a valid schema name/],
      [['tenant', 'set-schema', 'Bad', 'reporting'], 2, /not a valid tenant name/],
      [['tenant', 'set-schema', 'initech', 'missing'], 1, /schema "missing" does not exist/],
      // t_acme holds acme's tables: sharing it needs --share.
      [['tenant', 'set-schema', 'initech', 't_acme'], 1, /tenant "acme": pass --share/],
    ];
    for (const [args, code, message] of refused) {
      const run = await keysCli(...args);
      expect([args, run.code]).toEqual([args, code]);
      expect(run.stderr).toMatch(message);
    }
    const set = await keysCli('tenant', 'set-schema', 'initech', 'reporting');
    expect(set).toMatchObject({
      code: 0,
      stdout: 'tenant "initech" now loads into schema "reporting"\n',
    });
    const list = await keysCli('tenant', 'list');
    expect(list.stdout).toContain('initech\treporting\toperator\n');
    expect(list.stdout).toContain('acme\tt_acme\tauto\n');

    const done = await as('initech').load('table=orders', csvOf(rowsOf(1, 2, 'initech')));
    expect(done).toMatchObject({ status: 'completed', table: 'reporting.orders' });
    expect(await tableRows('reporting', 'orders')).toEqual([
      { id: 0, name: 'kept' },
      { id: 1, name: 'initech' },
      { id: 2, name: 'initech' },
    ]);
    expect(await schemaExists('t_initech')).toBe(false);
  });

  it('lets two tenants share a schema only when the operator says --share', async () => {
    const shared = await keysCli('tenant', 'set-schema', 'umbrella', 'reporting', '--share');
    expect(shared.code).toBe(0);
    const done = await as('umbrella').load('table=umbrella_orders', csvOf(rowsOf(1, 1, 'u')));
    expect(done).toMatchObject({ status: 'completed', table: 'reporting.umbrella_orders' });
  });
});

describe('Idempotency-Key reuse', () => {
  const ctx = useTestSystem();
  const body = csvOf(rowsOf(1, 20, 'x'));
  const digest = (text: string) =>
    `sha-256=:${createHash('sha256').update(text).digest('base64')}:`;

  const put = (query: string, key: string, text = body, headers: Record<string, string> = {}) =>
    ctx.system.fetch(`/v1/jobs/raw?${query}`, {
      method: 'PUT',
      body: text,
      headers: { 'Idempotency-Key': key, ...headers },
    });

  it('replays the same request, and refuses the key for another table, options or body', async () => {
    const first = await put('table=idem&mode=append', 'nightly-1');
    expect(first.status).toBe(202);
    const job = (await first.json()) as JobView;
    expect(job.table).toBe('t_default.idem');

    const again = await put('table=idem&mode=append', 'nightly-1');
    expect(again.status).toBe(200);
    expect(((await again.json()) as JobView).id).toBe(job.id);
    // Same body declared by its digest: still the same request.
    const declared = await put('table=idem&mode=append', 'nightly-1', body, {
      'Content-Digest': digest(body),
    });
    expect(declared.status).toBe(200);
    expect(((await declared.json()) as JobView).id).toBe(job.id);

    const other = csvOf(rowsOf(1, 20, 'y'));
    const conflicts: [string, string, Record<string, string>][] = [
      ['table=other_table&mode=append', body, {}],
      ['table=idem&mode=replace', body, {}],
      ['table=idem&mode=append&delimiter=semicolon', body, {}],
      ['table=idem&mode=append', other, { 'Content-Digest': digest(other) }],
    ];
    for (const [query, text, headers] of conflicts) {
      const res = await put(query, 'nightly-1', text, headers);
      const answer = (await res.json()) as ErrorBody;
      expect([query, res.status, answer.error.code]).toEqual([
        query,
        422,
        'IDEMPOTENCY_KEY_REUSED',
      ]);
      expect(answer.error.message).toContain('nightly-1');
    }
    // Nothing was created by the refused requests.
    const jobs = await ctx.db.query(
      `SELECT id FROM ingest.jobs WHERE idempotency_key = 'nightly-1'`,
    );
    expect(jobs.rows).toEqual([{ id: job.id }]);
  });

  it('keeps keys per tenant: another tenant may use the same key for its own upload', async () => {
    const other = await ctx.system.createApiKey('hooli');
    const mine = await put('table=per_tenant', 'shared-key');
    expect(mine.status).toBe(202);
    const theirs = await authorizedFetch(
      ctx.system.baseUrl,
      other,
      '/v1/jobs/raw?table=elsewhere',
      {
        method: 'PUT',
        body,
        headers: { 'Idempotency-Key': 'shared-key' },
      },
    );
    expect(theirs.status).toBe(202);
    const view = (await theirs.json()) as JobView;
    expect(view.table).toBe('t_hooli.elsewhere');
  });
});
