import { useTestSystem, type RunningSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { request } from 'node:http';

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string } }).error;

describe('access: API keys, tenants and limits', () => {
  const ctx = useTestSystem(
    { GATEWAY_MIN_UPLOAD_BYTES_PER_SEC: '50000', GATEWAY_SLOW_UPLOAD_WINDOW_MS: '1000' },
    { loaders: 1, notifier: false },
  );
  /** A second gateway on the same Redis and Postgres, as behind a load balancer. */
  let second: RunningSystem;

  beforeAll(async () => {
    second = await ctx.startAnother({ loaders: 0, splitter: false, notifier: false });
  });

  it('401 UNAUTHENTICATED without a key, with a wrong key, and with a revoked key', async () => {
    const none = await fetch(`${ctx.system.baseUrl}/v1/jobs`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await errorOf(none)).code).toBe('UNAUTHENTICATED');
    const wrong = await ctx.system.fetch('/v1/jobs', {
      headers: { Authorization: `Bearer ${ctx.system.apiKey.slice(0, -2)}xx` },
    });
    expect(wrong.status).toBe(401);
    const garbage = await ctx.system.fetch('/v1/jobs', {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(garbage.status).toBe(401);
    // health checks stay public
    expect((await fetch(`${ctx.system.baseUrl}/healthz`)).status).toBe(200);
  });

  it('stores keys only as hashes', async () => {
    const db = await ctx.t.db();
    try {
      const rows = await db.query<{ id: string; secret_sha256: Buffer }>(
        'SELECT id, secret_sha256 FROM ingest.api_keys',
      );
      const secret = /^ingk_[0-9a-f]{12}_(.+)$/.exec(ctx.system.apiKey)?.[1] ?? '';
      expect(secret.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
      for (const row of rows.rows) {
        expect(row.secret_sha256).toHaveLength(32);
        expect(row.secret_sha256.toString('latin1')).not.toContain(secret);
      }
    } finally {
      await db.end();
    }
  });

  it('shows another tenant nothing: 404 on every job route', async () => {
    const res = await ctx.system.fetch('/v1/jobs/raw?table=mine', {
      method: 'PUT',
      body: 'a,b\n1,2\n',
      headers: { 'Idempotency-Key': 'shared-key' },
    });
    const { id } = (await res.json()) as JobView;
    await ctx.system.waitForJob(id);
    const otherKey = await ctx.system.createApiKey('other');
    const as = (path: string, init: RequestInit = {}) =>
      ctx.system.fetch(path, {
        ...init,
        headers: { ...init.headers, Authorization: `Bearer ${otherKey}` },
      });

    for (const [method, path] of [
      ['GET', `/v1/jobs/${id}`],
      ['GET', `/v1/jobs/${id}/events`],
      ['POST', `/v1/jobs/${id}/cancel`],
      ['DELETE', `/v1/jobs/${id}`],
    ] as const) {
      const r = await as(path, { method });
      expect({ method, path, status: r.status }).toEqual({ method, path, status: 404 });
      expect((await errorOf(r)).code).toBe('JOB_NOT_FOUND');
    }
    const list = (await (await as('/v1/jobs?limit=200')).json()) as { jobs: JobView[] };
    expect(list.jobs.map((j) => j.id)).not.toContain(id);
    // The same Idempotency-Key in another tenant is another job.
    const replay = await as('/v1/jobs/raw?table=theirs', {
      method: 'PUT',
      body: 'a,b\n1,2\n',
      headers: { 'Idempotency-Key': 'shared-key' },
    });
    expect(replay.status).toBe(202);
    expect(((await replay.json()) as JobView).id).not.toBe(id);
    // The owner still sees it.
    expect((await ctx.system.fetch(`/v1/jobs/${id}`)).status).toBe(200);
  });

  it('shares the request rate limit across gateway instances, with Retry-After', async () => {
    const key = await ctx.system.createApiKey('limited', { maxRequestsPerMinute: 6 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const gateway = i % 2 === 0 ? ctx.system : second;
      const res = await gateway.fetch('/v1/jobs', { headers: { Authorization: `Bearer ${key}` } });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect((await errorOf(res)).code).toBe('RATE_LIMITED');
      }
    }
    // Fixed one-minute windows: a test that straddles a minute boundary may see a fresh window.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(6);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('limits concurrent uploads per key and the upload size per key', async () => {
    const key = await ctx.system.createApiKey('uploads', {
      maxConcurrentUploads: 1,
      maxUploadBytes: 1000,
    });
    const auth = { Authorization: `Bearer ${key}` };
    // Hold one upload open (it sends enough to keep above the minimum pace).
    const url = new URL(`${ctx.system.baseUrl}/v1/jobs/raw?table=held`);
    const held = request(url, { method: 'PUT', headers: { ...auth, 'content-length': '900' } });
    held.on('error', () => undefined);
    held.write('a,b\n');
    await new Promise((r) => setTimeout(r, 300));
    const second = await ctx.system.fetch('/v1/jobs/raw?table=second', {
      method: 'PUT',
      body: 'a\n1\n',
      headers: auth,
    });
    expect(second.status).toBe(429);
    expect((await errorOf(second)).code).toBe('TOO_MANY_UPLOADS');
    expect(second.headers.get('retry-after')).not.toBeNull();
    held.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const big = await ctx.system.fetch('/v1/jobs/raw?table=big', {
      method: 'PUT',
      body: 'a,b\n' + '1,2\n'.repeat(1000),
      headers: auth,
    });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('UPLOAD_TOO_LARGE');
  });

  it('cuts off a slow trickle (408) while a fast large upload succeeds', async () => {
    const trickle = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(new URL(`${ctx.system.baseUrl}/v1/jobs/raw?table=trickle`), {
        method: 'PUT',
        headers: { authorization: `Bearer ${ctx.system.apiKey}`, 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('a,b\n');
      const timer = setInterval(() => req.write('1,2\n'), 100); // ~40 bytes/s
      req.on('close', () => clearInterval(timer));
      setTimeout(() => clearInterval(timer), 10_000).unref();
    });
    const fast = await ctx.system.fetch('/v1/jobs/raw?table=fast', {
      method: 'PUT',
      body: 'a,b\n' + '123456789,abcdefghijklmnop\n'.repeat(400_000), // ~10 MB
    });
    expect(fast.status).toBe(202);
    const slow = await trickle;
    expect(slow.status).toBe(408);
    expect(JSON.parse(slow.body)).toMatchObject({ error: { code: 'UPLOAD_TOO_SLOW' } });
  });

  it('answers every malformed multipart body with a 400 and keeps serving', async () => {
    const boundary = 'XyZ';
    const cases: { name: string; contentType: string; body: string }[] = [
      { name: 'no boundary', contentType: 'multipart/form-data', body: 'x' },
      {
        name: 'wrong boundary',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: '--other\r\n\r\nx\r\n--other--',
      },
      {
        name: 'truncated body',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na,b\n1,2`,
      },
      {
        name: 'no part headers',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\n\r\nhello\r\n--${boundary}--\r\n`,
      },
      {
        name: 'file under another field',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\nContent-Disposition: form-data; name="data"; filename="a.csv"\r\n\r\na\n1\n\r\n--${boundary}--\r\n`,
      },
      {
        name: 'two file parts',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\n1\n\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.csv"\r\n\r\na\n2\n\r\n--${boundary}--\r\n`,
      },
      {
        name: 'field without a file',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\nContent-Disposition: form-data; name="file"\r\n\r\na,b\r\n--${boundary}--\r\n`,
      },
      {
        name: 'huge field',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n${'x'.repeat(70 * 1024)}\r\n--${boundary}--\r\n`,
      },
      {
        name: 'too many fields',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body:
          Array.from(
            { length: 20 },
            (_, i) => `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`,
          ).join('') + `--${boundary}--\r\n`,
      },
      {
        name: 'missing name',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\nContent-Disposition: form-data; filename="a.csv"\r\n\r\na\n1\n\r\n--${boundary}--\r\n`,
      },
      {
        name: 'garbage after headers',
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: `--${boundary}\r\nContent-Disposition\r\n\r\n\u0000\u0001\r\n--${boundary}--\r\n`,
      },
      { name: 'not multipart at all', contentType: 'application/json', body: '{"a":1}' },
    ];
    const unexpected: string[] = [];
    for (const c of cases) {
      const res = await ctx.system.fetch('/v1/jobs?table=t', {
        method: 'POST',
        headers: { 'content-type': c.contentType },
        body: c.body,
      });
      if (res.status !== 400) unexpected.push(`${c.name}: ${res.status} ${await res.text()}`);
      else
        expect((await errorOf(res)).code).toMatch(
          /^(MALFORMED_MULTIPART|MISSING_FILE|UNEXPECTED_FIELD|UPLOAD_ABORTED)$/,
        );
    }
    expect(unexpected).toEqual([]);
    expect((await fetch(`${ctx.system.baseUrl}/healthz`)).status).toBe(200);
  });
});
