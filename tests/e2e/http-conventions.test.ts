import { useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { listObjectKeys } from '../support/s3-objects';
import { parseAnswer, rawExchange } from '../support/raw-http';

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string } }).error;

const MAX_UPLOAD = 64 * 1024;

describe('HTTP conventions clients rely on', () => {
  const ctx = useTestSystem(
    { GATEWAY_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) },
    { loaders: 0, splitter: false, notifier: false },
  );

  const jobCount = async () =>
    (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest.jobs')).rows[0]?.n;

  it('405 METHOD_NOT_ALLOWED with Allow on a known path; 404 ROUTE_NOT_FOUND elsewhere', async () => {
    const cases = [
      ['PATCH', '/v1/jobs', 'GET, HEAD, POST'],
      ['POST', '/v1/jobs/00000000-0000-4000-8000-000000000000', 'GET, HEAD, DELETE'],
      ['POST', '/v1/datasets/people', 'GET, HEAD, PUT, DELETE'],
      ['DELETE', '/healthz', 'GET, HEAD'],
    ] as const;
    for (const [method, path, allow] of cases) {
      const res = await ctx.system.fetch(path, { method });
      expect({ method, path, status: res.status, allow: res.headers.get('allow') }).toEqual({
        method,
        path,
        status: 405,
        allow,
      });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect((await errorOf(res)).code).toBe('METHOD_NOT_ALLOWED');
    }
    const unknown = await ctx.system.fetch('/v1/nothing/here', { method: 'PATCH' });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('ROUTE_NOT_FOUND');
  });

  it('answers body-parser refusals in JSON: 413 BODY_TOO_LARGE, 400 for malformed JSON', async () => {
    const big = await ctx.system.fetch('/v1/webhooks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `https://example.com/${'x'.repeat(40_000)}` }),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await errorOf(big)).toMatchObject({ code: 'BODY_TOO_LARGE' });
    const malformed = await ctx.system.fetch('/v1/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "x", ',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await errorOf(malformed)).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/^the request body is not valid JSON/),
    });
    const undecodable = await ctx.system.fetch('/v1/datasets/%E0%A4%A');
    expect(undecodable.status).toBe(400);
    expect((await errorOf(undecodable)).code).toBe('VALIDATION_FAILED');
  });

  it('400 VALIDATION_FAILED naming unknown query parameters, on every route that takes some', async () => {
    const put = await ctx.system.fetch('/v1/jobs/raw?table=t', { method: 'PUT', body: 'a\n1\n' });
    const { id } = (await put.json()) as JobView;
    const routes = [
      ['GET', '/v1/jobs?limt=5'],
      ['PUT', '/v1/jobs/raw?tabel=x'],
      ['POST', '/v1/jobs?tabel=x'],
      ['GET', `/v1/jobs/${id}/rejects?fromat=csv`],
      ['GET', '/v1/datasets?limt=5'],
      ['GET', '/v1/webhooks/deliveries?jobb=x'],
    ] as const;
    for (const [method, path] of routes) {
      const res = await ctx.system.fetch(path, {
        method,
        body: method === 'GET' ? null : 'a\n1\n',
      });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      const error = await errorOf(res);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toMatch(/^unknown query parameter "(limt|tabel|fromat|jobb)"/);
    }
  });

  it('takes chunk_size with a unit and states its limits in human terms', async () => {
    const ok = await ctx.system.fetch('/v1/jobs/raw?table=sized&chunk_size=4KiB', {
      method: 'PUT',
      body: 'a\n1\n',
    });
    expect(ok.status).toBe(202);
    const row = await ctx.db.query<{ chunk_bytes: number }>(
      'SELECT chunk_bytes FROM ingest.jobs WHERE id = $1',
      [((await ok.json()) as JobView).id],
    );
    expect(row.rows[0]?.chunk_bytes).toBe(4096);
    for (const [size, shown] of [
      ['2GiB', '2 GiB'],
      ['100', '100 B'],
    ]) {
      const res = await ctx.system.fetch(`/v1/jobs/raw?table=sized&chunk_size=${size}`, {
        method: 'PUT',
        body: 'a\n1\n',
      });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toBe(
        `chunk_size must be between 1 KiB and 1 GiB, not ${shown}`,
      );
    }
  });

  it('keeps a UTF-8 file name and shows webhook_url in the job view', async () => {
    const form = new FormData();
    form.append('file', new Blob(['a,b\n1,2\n']), 'données-été.csv');
    const hook = 'http://127.0.0.1:9/hook';
    const res = await ctx.system.fetch(
      `/v1/jobs?table=accents&webhook_url=${encodeURIComponent(hook)}`,
      { method: 'POST', body: form },
    );
    expect(res.status).toBe(202);
    const view = (await (
      await ctx.system.fetch(`/v1/jobs/${((await res.json()) as JobView).id}`)
    ).json()) as JobView;
    expect(view.file_name).toBe('données-été.csv');
    expect(view.webhook_url).toBe(hook);
  });

  it('sends RateLimit-Limit, -Remaining and -Reset on every answer, Retry-After on 429', async () => {
    // Fixed one-minute windows: start early in one so that the four requests share it.
    const probe = await ctx.system.fetch('/v1/jobs');
    const reset = Number(probe.headers.get('ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    if (reset < 3) await new Promise((r) => setTimeout(r, reset * 1000 + 200));
    const key = await ctx.system.createApiKey('limited', { maxRequestsPerMinute: 3 });
    const seen = [];
    for (const path of [
      '/v1/jobs',
      '/v1/jobs/00000000-0000-4000-8000-000000000000', // a 404 carries them too
      '/v1/datasets',
      '/v1/jobs',
    ]) {
      const res = await ctx.system.fetch(path, { headers: { Authorization: `Bearer ${key}` } });
      seen.push({
        status: res.status,
        limit: res.headers.get('ratelimit-limit'),
        remaining: res.headers.get('ratelimit-remaining'),
        reset: Number(res.headers.get('ratelimit-reset')) > 0,
        retryAfter: res.headers.get('retry-after') !== null,
        code: res.ok ? null : (await errorOf(res)).code,
      });
    }
    const expected = (status: number, remaining: string, code: string | null) => ({
      status,
      limit: '3',
      remaining,
      reset: true,
      retryAfter: status === 429,
      code,
    });
    expect(seen).toEqual([
      expected(200, '2', null),
      expected(404, '1', 'JOB_NOT_FOUND'),
      expected(200, '0', null),
      expected(429, '0', 'RATE_LIMITED'),
    ]);
  });

  describe('Expect: 100-continue', () => {
    const headOf = (method: string, path: string, key: string, length: number, type: string) =>
      [
        `${method} ${path} HTTP/1.1`,
        'Host: 127.0.0.1',
        `Authorization: Bearer ${key}`,
        `Content-Type: ${type}`,
        `Content-Length: ${length}`,
        'Expect: 100-continue',
        'Connection: close',
        '',
        '',
      ].join('\r\n');

    it('refuses a declared length over the key or the deployment limit before 100 Continue', async () => {
      const small = await ctx.system.createApiKey('small-uploads', { maxUploadBytes: 1000 });
      const before = await jobCount();
      const keysBefore = await listObjectKeys(ctx.t.env);
      const refusals = [
        ['PUT', '/v1/jobs/raw?table=big', small, 5000, 'text/csv'],
        ['PUT', '/v1/jobs/raw?table=big', ctx.system.apiKey, 1024 ** 2, 'text/csv'],
        [
          'POST',
          '/v1/jobs?table=big',
          ctx.system.apiKey,
          10 * 1024 ** 2,
          'multipart/form-data; boundary=b',
        ],
      ] as const;
      for (const [method, path, key, length, type] of refusals) {
        let bodySent = false;
        const raw = await rawExchange(
          ctx.system.baseUrl,
          headOf(method, path, key, length, type),
          () => (bodySent = true),
        );
        expect({ path, length, bodySent, first: raw.slice(0, 12) }).toEqual({
          path,
          length,
          bodySent: false,
          first: 'HTTP/1.1 413',
        });
        expect(parseAnswer(raw).body).toMatchObject({ error: { code: 'UPLOAD_TOO_LARGE' } });
      }
      expect(await jobCount()).toBe(before);
      expect(await listObjectKeys(ctx.t.env)).toEqual(keysBefore);
    });

    it('answers 100 Continue to an acceptable upload, then takes its body', async () => {
      const body = 'a,b\n1,2\n';
      const raw = await rawExchange(
        ctx.system.baseUrl,
        headOf('PUT', '/v1/jobs/raw?table=continued', ctx.system.apiKey, body.length, 'text/csv'),
        (socket) => socket.write(body),
      );
      expect(raw.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202')).toBe(true);
      const answer = parseAnswer(raw.slice('HTTP/1.1 100 Continue\r\n\r\n'.length));
      expect(answer.body).toMatchObject({ table: 't_default.continued', bytes: body.length });
    });
  });
});
