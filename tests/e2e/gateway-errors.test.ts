import { createTestEnvironment, startSystem, useTestSystem } from '@ingest/testing';
import { SSRF_REFUSED } from '@ingest/net-guard';
import { listObjectKeys } from '../support/s3-objects';

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string } }).error;

const multipart = (field: string, content: string, name = 'x.csv') => {
  const form = new FormData();
  form.append(field, new Blob([content]), name);
  return form;
};

describe('gateway errors', () => {
  const ctx = useTestSystem({ GATEWAY_MAX_UPLOAD_BYTES: String(64 * 1024) }, { loaders: 1 });

  const jobCount = async () =>
    (await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest.jobs')).rows[0]?.n;

  it('400 MISSING_FILE without a file part', async () => {
    const form = new FormData();
    form.append('table', 'x');
    const res = await ctx.system.fetch(`/v1/jobs`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('MISSING_FILE');
  });

  it('400 UNEXPECTED_FIELD for a file under another name', async () => {
    const res = await ctx.system.fetch(`/v1/jobs`, {
      method: 'POST',
      body: multipart('upload', 'a\n1\n'),
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('UNEXPECTED_FIELD');
  });

  it('400 EMPTY_FILE for an empty file, multipart and raw, leaving nothing stored', async () => {
    const before = await jobCount();
    const res = await ctx.system.fetch(`/v1/jobs`, {
      method: 'POST',
      body: multipart('file', ''),
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('EMPTY_FILE');
    const raw = await ctx.system.fetch(`/v1/jobs/raw?table=t`, { method: 'PUT', body: '' });
    expect(raw.status).toBe(400);
    expect((await errorOf(raw)).code).toBe('EMPTY_FILE');
    expect(await jobCount()).toBe(before);
    expect(await listObjectKeys(ctx.t.env)).toEqual([]);
  });

  it('400 MALFORMED_MULTIPART for a body that is not multipart', async () => {
    const res = await ctx.system.fetch(`/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: 'this is not multipart',
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('MALFORMED_MULTIPART');
  });

  it('400 INVALID_TABLE_NAME for an unsafe table name', async () => {
    const res = await ctx.system.fetch(
      `/v1/jobs/raw?table=${encodeURIComponent('x"; drop table y;--')}`,
      {
        method: 'PUT',
        body: 'a\n1\n',
      },
    );
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('INVALID_TABLE_NAME');
  });

  it('404 JOB_NOT_FOUND for an unknown job, 404 ROUTE_NOT_FOUND for an unknown route', async () => {
    const res = await ctx.system.fetch(`/v1/jobs/00000000-0000-4000-8000-000000000000`);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('JOB_NOT_FOUND');
    const junk = await ctx.system.fetch(`/v1/jobs/not-a-uuid`);
    expect(junk.status).toBe(404);
    const route = await ctx.system.fetch(`/v2/nothing`);
    expect(route.status).toBe(404);
    expect((await errorOf(route)).code).toBe('ROUTE_NOT_FOUND');
  });

  it('413 UPLOAD_TOO_LARGE over the limit, with the partial upload aborted in storage', async () => {
    const before = await jobCount();
    const big = 'a,b\n' + '1,2\n'.repeat(40_000); // 160 KB > 64 KiB
    const res = await ctx.system.fetch(`/v1/jobs`, {
      method: 'POST',
      body: multipart('file', big),
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('UPLOAD_TOO_LARGE');
    const raw = await ctx.system.fetch(`/v1/jobs/raw?table=t`, { method: 'PUT', body: big });
    expect(raw.status).toBe(413);
    expect((await errorOf(raw)).code).toBe('UPLOAD_TOO_LARGE');
    expect(await jobCount()).toBe(before);
    expect(await listObjectKeys(ctx.t.env)).toEqual([]);
  });

  it('reports readiness of every dependency', async () => {
    const res = await ctx.system.fetch(`/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { postgres: 'ok', redis: 'ok', rabbitmq: 'ok', storage: 'ok' },
    });
    expect((await ctx.system.fetch(`/healthz`)).status).toBe(200);
  });
});

describe('gateway with an unreachable dependency', () => {
  it('503 STORAGE_UNAVAILABLE when object storage is down, and no job is recorded', async () => {
    const t = await createTestEnvironment({ S3_ENDPOINT: 'http://127.0.0.1:1' });
    const system = await startSystem(t.env, { loaders: 0, splitter: false, notifier: false });
    const db = await t.db();
    try {
      const res = await system.fetch(`/v1/jobs/raw?table=t`, {
        method: 'PUT',
        body: 'a\n1\n',
      });
      expect(res.status).toBe(503);
      expect((await errorOf(res)).code).toBe('STORAGE_UNAVAILABLE');
      const ready = await system.fetch(`/readyz`);
      expect(ready.status).toBe(503);
      expect((await db.query('SELECT 1 FROM ingest.jobs')).rowCount).toBe(0);
    } finally {
      await db.end();
      await system.stop();
      await t.cleanup();
    }
  });

  it('503 QUEUE_UNAVAILABLE when the broker is down, with the stored object and job removed again', async () => {
    const t = await createTestEnvironment({ RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' });
    const system = await startSystem(t.env, { loaders: 0, splitter: false, notifier: false });
    const db = await t.db();
    try {
      const form = multipart('file', 'a,b\n1,2\n');
      const res = await system.fetch(`/v1/jobs?table=t`, { method: 'POST', body: form });
      expect(res.status).toBe(503);
      expect((await errorOf(res)).code).toBe('QUEUE_UNAVAILABLE');
      expect((await db.query('SELECT 1 FROM ingest.jobs')).rowCount).toBe(0);
      expect(await listObjectKeys(t.env)).toEqual([]);
    } finally {
      await db.end();
      await system.stop();
      await t.cleanup();
    }
  });
});

describe('webhook URLs that point inside the network', () => {
  it('refuses every URL of the SSRF corpus with 400 WEBHOOK_URL_FORBIDDEN, storing nothing', async () => {
    const t = await createTestEnvironment({ WEBHOOK_ALLOWED_CIDRS: '' });
    const system = await startSystem(t.env, { loaders: 0, splitter: false, notifier: false });
    const db = await t.db();
    try {
      expect(SSRF_REFUSED.length).toBeGreaterThanOrEqual(40);
      const accepted: string[] = [];
      for (const { url } of SSRF_REFUSED) {
        const res = await system.fetch(
          `/v1/jobs/raw?table=t&webhook_url=${encodeURIComponent(url)}`,
          { method: 'PUT', body: 'a\n1\n' },
        );
        const body = (await res.json()) as { error?: { code: string } };
        if (res.status !== 400 || body.error?.code !== 'WEBHOOK_URL_FORBIDDEN') accepted.push(url);
      }
      expect(accepted).toEqual([]);
      expect((await db.query('SELECT 1 FROM ingest.jobs')).rowCount).toBe(0);
      expect(await listObjectKeys(t.env)).toEqual([]);
    } finally {
      await db.end();
      await system.stop();
      await t.cleanup();
    }
  });
});
