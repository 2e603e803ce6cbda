import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { gzipSync } from 'node:zlib';
import { peopleFixture, useTestSystem, type RunningSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { eventually } from '../support/broker';
import { listObjectKeys } from '../support/s3-objects';

/** A raw PUT of `body` whose bytes the test sends when it wants to (a throttled client). */
const openPut = (system: RunningSystem, query: string, body: Buffer, headers = {}) =>
  openUpload(system, `/v1/jobs/raw?${query}`, 'PUT', body, {
    'content-length': String(body.length),
    ...headers,
  });

/**
 * An upload of `body` (a raw body, or a form's file part between `head` and
 * `tail`) whose bytes the test sends when it wants to. Without a
 * content-length header the request is sent chunked.
 */
function openUpload(
  system: RunningSystem,
  path: string,
  method: 'PUT' | 'POST',
  body: Buffer,
  headers: Record<string, string>,
  form: { head: Buffer; tail: Buffer } = { head: Buffer.alloc(0), tail: Buffer.alloc(0) },
) {
  let req: ClientRequest | undefined;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(new URL(`${system.baseUrl}${path}`), {
      method,
      headers: { authorization: `Bearer ${system.apiKey}`, ...headers },
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
  });
  response.catch(() => undefined); // a cut request rejects: only awaited where it must not
  const client = req as unknown as ClientRequest;
  if (form.head.length > 0) client.write(form.head);
  return {
    response,
    send: (from: number, to: number) =>
      new Promise<void>((resolve) => {
        if (client.write(body.subarray(from, to))) resolve();
        else client.once('drain', () => resolve());
      }),
    end: () => client.end(form.tail),
    cut: () => client.destroy(),
  };
}

const BOUNDARY = 'streamed-form-boundary';

/** A multipart form around a file part (as `curl -F file=@people.csv -F …` sends it). */
function formAround(fields: { before?: Record<string, string>; after?: Record<string, string> }) {
  const field = (name: string, value: string) =>
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const before = Object.entries(fields.before ?? {}).map(([k, v]) => field(k, v));
  const after = Object.entries(fields.after ?? {}).map(([k, v]) => field(k, v));
  return {
    head: Buffer.from(
      `${before.join('')}--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
    tail: Buffer.from(`\r\n${after.join('')}--${BOUNDARY}--\r\n`),
  };
}

/** A form upload of `body`, with a content-length (curl) or chunked (`declared: false`). */
function openForm(
  system: RunningSystem,
  query: string,
  body: Buffer,
  options: { declared: boolean; before?: Record<string, string>; after?: Record<string, string> },
) {
  const form = formAround(options);
  const length = form.head.length + body.length + form.tail.length;
  return openUpload(
    system,
    `/v1/jobs?${query}`,
    'POST',
    body,
    {
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      ...(options.declared ? { 'content-length': String(length) } : {}),
    },
    form,
  );
}

/**
 * An upload of more than one segment — raw PUT with or without a
 * Content-Length, a multipart form's file part — is a job from its first
 * stored segment: listed and followed while the body arrives, its rows
 * loading before the last byte; a body that breaks off fails the job with
 * UPLOAD_ABORTED, keeping what committed in append mode and nothing with
 * atomic=true, and the request's Idempotency-Key is free for the retry.
 */
describe('uploads load while they arrive', () => {
  const ctx = useTestSystem(
    {
      GATEWAY_SEGMENT_BYTES: '65536',
      SPLITTER_CHUNK_BYTES: '65536',
      SPLITTER_DERIVED_SEGMENT_BYTES: '32768',
    },
    { loaders: 2, notifier: false },
  );
  const fixture = peopleFixture(30_000, 41);
  const body = Buffer.from(fixture.text);
  const half = Math.floor(body.length / 2);
  const expected = fixture.rows.map((r) => r.map((v) => v.trim()));

  const countOf = async (table: string) =>
    (
      await ctx.db
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.system.table(table)}`)
        // The table is created with the plan of the first chunk.
        .catch(() => ({ rows: [{ n: 0 }] }))
    ).rows[0]?.n ?? 0;

  const rowsOf = async (table: string) =>
    (
      await ctx.db.query<{ row: string[] }>(
        `SELECT ARRAY[id::text, name, email, city, notes] AS row FROM ${ctx.system.table(table)} ORDER BY id`,
      )
    ).rows.map((r) => r.row.map((v) => v ?? ''));

  const jobOfTable = async (table: string) =>
    eventually(
      async () => {
        const res = await ctx.system.fetch('/v1/jobs?limit=100');
        const page = (await res.json()) as { jobs: JobView[] };
        return page.jobs.find((j) => j.table.endsWith(`.${table}`) || j.table === table);
      },
      (job) => job !== undefined,
      15_000,
    ) as Promise<JobView>;

  it('has rows loaded before the last byte is sent, and completes exactly', async () => {
    const put = openPut(ctx.system, 'table=streamed_put', body);
    await put.send(0, half);
    const listed = await jobOfTable('streamed_put');
    expect(listed.status).toBe('receiving');

    const loaded = await eventually(
      () => countOf('streamed_put'),
      (n) => n > 0,
      20_000,
    );
    expect(loaded).toBeLessThan(30_000);
    const view = (await (await ctx.system.fetch(`/v1/jobs/${listed.id}`)).json()) as JobView;
    expect(view.status).toBe('receiving');
    expect(view.upload?.length).toBe(body.length);
    expect(view.upload?.offset).toBeGreaterThan(0);
    expect(view.upload?.offset).toBeLessThanOrEqual(half);

    await put.send(half, body.length);
    put.end();
    const answer = await put.response;
    expect(answer.status).toBe(202);
    expect((JSON.parse(answer.body) as JobView).id).toBe(listed.id);
    const done = await ctx.system.waitForJob(listed.id);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: 30_000, rejected: 0 } });
    expect(await rowsOf('streamed_put')).toEqual(expected);
  });

  const routes = [
    [
      'a form (curl -F)',
      (table: string) => openForm(ctx.system, `table=${table}`, body, { declared: true }),
    ],
    [
      'a chunked form',
      (table: string) => openForm(ctx.system, `table=${table}`, body, { declared: false }),
    ],
    [
      'a chunked raw PUT',
      (table: string) => openUpload(ctx.system, `/v1/jobs/raw?table=${table}`, 'PUT', body, {}),
    ],
  ] as const;

  it.each(routes)(
    '%s of unannounced file length loads before its last byte and completes exactly',
    async (_route, open) => {
      const table = `streamed_${_route.replace(/\W+/g, '_').replace(/^_|_$/g, '')}`;
      const upload = open(table);
      await upload.send(0, half);
      const listed = await jobOfTable(table);
      expect(listed.status).toBe('receiving');
      const loaded = await eventually(
        () => countOf(table),
        (n) => n > 0,
        20_000,
      );
      expect(loaded).toBeLessThan(30_000);
      const view = (await (await ctx.system.fetch(`/v1/jobs/${listed.id}`)).json()) as JobView;
      expect(view.status).toBe('receiving');
      expect(view.upload?.length).toBeNull();
      expect(view.upload?.offset).toBeGreaterThan(0);

      await upload.send(half, body.length);
      upload.end();
      const answer = await upload.response;
      expect(answer.status).toBe(202);
      expect((JSON.parse(answer.body) as JobView).id).toBe(listed.id);
      const done = await ctx.system.waitForJob(listed.id);
      expect(done).toMatchObject({
        status: 'completed',
        bytes: body.length,
        rows: { loaded: 30_000, rejected: 0 },
      });
      expect(await rowsOf(table)).toEqual(expected);
    },
  );

  it.each([
    ['gzip', 'gzip', gzipSync(body, { level: 1 }), ''],
    ['utf-16le', 'none', Buffer.from(`\ufeff${fixture.text}`, 'utf16le'), '&encoding=utf-16le'],
  ] as const)(
    'a %s upload is decompressed or transcoded on the stream and loads before its last byte',
    async (name, compression, bytes, options) => {
      const table = `streamed_${name.replace(/\W/g, '_')}`;
      const put = openPut(ctx.system, `table=${table}${options}`, bytes);
      const most = Math.floor(bytes.length * 0.8);
      await put.send(0, most);
      const listed = await jobOfTable(table);
      const loaded = await eventually(
        () => countOf(table),
        (n) => n > 0,
        20_000,
      );
      expect(loaded).toBeLessThan(30_000);
      expect(
        ((await (await ctx.system.fetch(`/v1/jobs/${listed.id}`)).json()) as JobView).status,
      ).toBe('receiving');
      await put.send(most, bytes.length);
      put.end();
      expect((await put.response).status).toBe(202);
      const done = await ctx.system.waitForJob(listed.id);
      expect(done).toMatchObject({
        status: 'completed',
        rows: { loaded: 30_000, rejected: 0 },
        dialect: { compression },
      });
      expect(await rowsOf(table)).toEqual(expected);
    },
  );

  it('a schema field after a streamed file part is refused, and the job fails', async () => {
    const schema = JSON.stringify({ columns: [{ name: 'id', type: 'bigint' }] });
    const form = openForm(ctx.system, 'table=streamed_late_schema&atomic=true', body, {
      declared: true,
      after: { schema },
    });
    await form.send(0, half);
    const job = await jobOfTable('streamed_late_schema');
    await form.send(half, body.length);
    form.end();
    const answer = await form.response;
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({
      error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/before the file/) },
    });
    expect(await ctx.system.waitForJob(job.id)).toMatchObject({
      status: 'failed',
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await countOf('streamed_late_schema')).toBe(0);
  });

  it('a cut form upload fails UPLOAD_ABORTED, keeping what committed', async () => {
    const form = openForm(ctx.system, 'table=streamed_form_cut', body, { declared: true });
    await form.send(0, half);
    const job = await jobOfTable('streamed_form_cut');
    const committed = await eventually(
      () => countOf('streamed_form_cut'),
      (n) => n > 0,
      20_000,
    );
    form.cut();
    expect(await ctx.system.waitForJob(job.id)).toMatchObject({
      status: 'failed',
      error: { code: 'UPLOAD_ABORTED' },
    });
    const kept = await countOf('streamed_form_cut');
    expect(kept).toBeGreaterThanOrEqual(committed);
    expect(kept).toBeLessThan(30_000);
  });

  it('a cut append upload fails UPLOAD_ABORTED and keeps what committed; its segments go', async () => {
    const put = openPut(ctx.system, 'table=streamed_cut', body);
    await put.send(0, half);
    const job = await jobOfTable('streamed_cut');
    const committed = await eventually(
      () => countOf('streamed_cut'),
      (n) => n > 0,
      20_000,
    );
    put.cut();
    const failed = await ctx.system.waitForJob(job.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'UPLOAD_ABORTED' } });
    const kept = await countOf('streamed_cut');
    expect(kept).toBeGreaterThanOrEqual(committed);
    expect(kept).toBeLessThan(30_000);
    const { rows } = await ctx.db.query<{ object_key: string }>(
      'SELECT object_key FROM ingest.jobs WHERE id = $1',
      [job.id],
    );
    const key = rows[0]?.object_key ?? '';
    await eventually(
      async () => (await listObjectKeys(ctx.t.env)).filter((k) => k.startsWith(`${key}/`)),
      (left) => left.length === 0,
      10_000,
    );
  });

  it('a cut atomic upload leaves the table untouched; the retry with its key loads it once', async () => {
    const headers = { 'idempotency-key': 'streamed-atomic-1' };
    const put = openPut(ctx.system, 'table=streamed_atomic&atomic=true', body, headers);
    await put.send(0, half);
    const first = await jobOfTable('streamed_atomic');
    // Chunks load into the job's stage while the body arrives.
    await eventually(
      async () =>
        ((await (await ctx.system.fetch(`/v1/jobs/${first.id}`)).json()) as JobView).chunks.done,
      (done) => done > 0,
      20_000,
    );
    put.cut();
    expect(await ctx.system.waitForJob(first.id)).toMatchObject({
      status: 'failed',
      error: { code: 'UPLOAD_ABORTED' },
    });
    expect(await countOf('streamed_atomic')).toBe(0);

    const retry = openPut(ctx.system, 'table=streamed_atomic&atomic=true', body, headers);
    await retry.send(0, body.length);
    retry.end();
    const answer = await retry.response;
    expect(answer.status).toBe(202);
    const second = (JSON.parse(answer.body) as JobView).id;
    expect(second).not.toBe(first.id);
    expect(await ctx.system.waitForJob(second)).toMatchObject({
      status: 'completed',
      rows: { loaded: 30_000, rejected: 0 },
    });
    expect(await rowsOf('streamed_atomic')).toEqual(expected);
  });
});
