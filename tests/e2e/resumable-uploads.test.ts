import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peopleFixture, useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { startGatewayLb } from '../support/gateway-lb';
import { startGatewayProcess } from '../support/gateway-process';
import { eventually } from '../support/broker';
import { keysStartingWith } from '../support/s3-objects';
import { runTusClient } from '../support/tus-process';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { request } from 'node:http';

const dir = mkdtempSync(join(tmpdir(), 'tus-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const writeFile = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/**
 * Resumable uploads (tus 1.0 at /v1/uploads) driven by the public tus-js-client,
 * each client in a process of its own: a client killed mid-upload, resumed by a
 * new process through another gateway; termination; a bad option refused at creation.
 */
describe('resumable uploads (tus)', () => {
  const ctx = useTestSystem(
    // Segments of 64 KiB: a 4 MB upload is ~70 of them, and a cut request leaves a partial one.
    { GATEWAY_TUS_SEGMENT_BYTES: '65536' },
    { loaders: 2, notifier: false },
  );
  /** A second gateway, a process of its own (the first runs in the test's process). */
  let other: Awaited<ReturnType<typeof startGatewayProcess>>;
  beforeAll(async () => {
    other = await startGatewayProcess(ctx.t.env, 'tus-gateway-b');
  });
  afterAll(async () => {
    other?.process.child.kill('SIGTERM');
    await other?.process.exited;
  });

  const viewOf = async (id: string) =>
    (await (await ctx.system.fetch(`/v1/jobs/${id}`)).json()) as JobView;

  const rowsOf = async (table: string) =>
    (
      await ctx.db.query<{ row: string[] }>(
        `SELECT ARRAY[id::text, name, email, city, notes] AS row FROM ${ctx.system.table(table)} ORDER BY id`,
      )
    ).rows.map((r) => r.row.map((v) => v ?? ''));

  it('resumes an upload killed at ~40 % from a new process through another gateway', async () => {
    const fixture = peopleFixture(40_000, 14);
    const file = writeFile('people.csv', fixture.text);
    const bytes = Buffer.byteLength(fixture.text);
    {
      const first = await runTusClient(
        `${ctx.system.baseUrl}/v1/uploads`,
        ctx.system.apiKey,
        file,
        {
          metadata: { filename: 'people.csv', table: 'tus_people', chunk_size: '256KiB' },
          chunkSize: 300_000,
          killAt: 0.4,
        },
      );
      expect(first.signal).toBe('SIGKILL');
      expect(first.url).toBeDefined();
      const uploadUrl = new URL(first.url ?? '', ctx.system.baseUrl);
      const id = uploadUrl.pathname.split('/').pop() ?? '';

      // The other gateway knows where it stands: bytes were kept, not all of them.
      const head = await fetch(`${other.baseUrl}/v1/uploads/${id}`, {
        method: 'HEAD',
        headers: { Authorization: `Bearer ${ctx.system.apiKey}`, 'Tus-Resumable': '1.0.0' },
      });
      expect(head.status).toBe(200);
      const offset = Number(head.headers.get('Upload-Offset'));
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThan(bytes);
      expect(Number(head.headers.get('Upload-Length'))).toBe(bytes);
      const receiving = await viewOf(id);
      expect(receiving).toMatchObject({
        status: 'receiving',
        table: expect.stringMatching(/(^|\.)tus_people$/),
      });
      expect(receiving.upload).toMatchObject({ offset, length: bytes });

      const second = await runTusClient(`${other.baseUrl}/v1/uploads`, ctx.system.apiKey, file, {
        uploadUrl: `${other.baseUrl}${uploadUrl.pathname}`,
        chunkSize: 300_000,
      });
      expect(second.events.at(-1)).toEqual({ done: true });
      // It went on from the offset, it did not start over.
      expect(second.events.find((e) => e.progress !== undefined)?.progress).toBeGreaterThan(0.1);

      const done = await ctx.system.waitForJob(id);
      expect(done).toMatchObject({
        status: 'completed',
        bytes,
        sha256: createHash('sha256').update(fixture.text).digest('hex'),
        rows: { loaded: 40_000, rejected: 0 },
      });
      expect(await rowsOf('tus_people')).toEqual(fixture.rows.map((r) => r.map((v) => v.trim())));
    }
  });

  it('loads rows while the upload is paused half way, then completes exactly once resumed', async () => {
    const fixture = peopleFixture(40_000, 31);
    const file = writeFile('streamed.csv', fixture.text);
    const bytes = Buffer.byteLength(fixture.text);
    const first = await runTusClient(`${ctx.system.baseUrl}/v1/uploads`, ctx.system.apiKey, file, {
      metadata: { filename: 'streamed.csv', table: 'tus_streamed', chunk_size: '128KiB' },
      chunkSize: 400_000,
      killAt: 0.5,
    });
    expect(first.signal).toBe('SIGKILL');
    const id = new URL(first.url ?? '', ctx.system.baseUrl).pathname.split('/').pop() ?? '';

    // The client is gone, the upload is not finished: rows land all the same.
    const loadedWhilePaused = await eventually(
      async () => {
        const { rows } = await ctx.db
          .query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${ctx.system.table('tus_streamed')}`,
          )
          .catch(() => ({ rows: [{ n: 0 }] })); // the table is created with the first chunk's plan
        return rows[0]?.n ?? 0;
      },
      (n) => n > 0,
      20_000,
    );
    expect(loadedWhilePaused).toBeLessThan(40_000);
    const paused = await viewOf(id);
    expect(paused.status).toBe('receiving');
    expect(paused.upload?.offset).toBeLessThan(bytes);
    expect(paused.rows.loaded).toBeGreaterThan(0);

    const second = await runTusClient(`${ctx.system.baseUrl}/v1/uploads`, ctx.system.apiKey, file, {
      uploadUrl: first.url,
      chunkSize: 400_000,
    });
    expect(second.events.at(-1)).toEqual({ done: true });
    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({
      status: 'completed',
      bytes,
      rows: { loaded: 40_000, rejected: 0 },
    });
    expect(await rowsOf('tus_streamed')).toEqual(fixture.rows.map((r) => r.map((v) => v.trim())));
    // The plan was scanned on from where it stopped, not from byte 0 again.
    const { rows: plan } = await ctx.db.query<{ bytes_read: string }>(
      'SELECT bytes_read FROM ingest.job_plans WHERE job_id = $1',
      [id],
    );
    expect(Number(plan[0]?.bytes_read)).toBeLessThan(bytes * 1.5);
  });

  it('goes through HAProxy in front of both gateways, request by request on either', async () => {
    const fixture = peopleFixture(20_000, 21);
    const file = writeFile('balanced.csv', fixture.text);
    const port = (url: string) => Number(new URL(url).port);
    const lb = await startGatewayLb([
      { name: 'a', port: port(ctx.system.baseUrl) },
      { name: 'b', port: port(other.baseUrl) },
    ]);
    try {
      // Both in rotation (rise 2 × 1 s) before the round robin is counted on.
      await new Promise((r) => setTimeout(r, 2500));
      const run = await runTusClient(`${lb.url}/v1/uploads`, ctx.system.apiKey, file, {
        metadata: { filename: 'balanced.csv', table: 'tus_balanced' },
        chunkSize: 100_000,
      });
      expect(run.events.at(-1)).toEqual({ done: true });
      const id = new URL(run.url ?? '', lb.url).pathname.split('/').pop() ?? '';
      const done = await ctx.system.waitForJob(id);
      expect(done).toMatchObject({ status: 'completed', rows: { loaded: 20_000, rejected: 0 } });
      expect(await rowsOf('tus_balanced')).toEqual(fixture.rows.map((r) => r.map((v) => v.trim())));
    } finally {
      await lb.stop();
    }
  });

  it('cancels the job when the client terminates the upload, and removes its parts', async () => {
    const fixture = peopleFixture(20_000, 3);
    const file = writeFile('terminated.csv', fixture.text);
    const first = await runTusClient(`${ctx.system.baseUrl}/v1/uploads`, ctx.system.apiKey, file, {
      metadata: { filename: 'terminated.csv' },
      chunkSize: 100_000,
      killAt: 0.3,
    });
    const url = new URL(first.url ?? '', ctx.system.baseUrl);
    const id = url.pathname.split('/').pop() ?? '';
    const { rows } = await ctx.db.query<{ object_key: string }>(
      'SELECT object_key FROM ingest.jobs WHERE id = $1',
      [id],
    );
    const key = rows[0]?.object_key ?? '';
    expect(await keysStartingWith(ctx.t.env, `${key}/`)).not.toHaveLength(0);

    // tus-js-client's terminate(url) is what upload.abort(true) sends: DELETE.
    const { Upload } = await import('tus-js-client');
    await Upload.terminate(url.href, {
      headers: { Authorization: `Bearer ${ctx.system.apiKey}` },
    });
    const view = await viewOf(id);
    expect(view).toMatchObject({
      status: 'cancelled',
      table: expect.stringMatching(/(^|\.)terminated$/),
    });
    expect(await keysStartingWith(ctx.t.env, `${key}/`)).toEqual([]);
    const head = await ctx.system.fetch(url.pathname, {
      method: 'HEAD',
      headers: { 'Tus-Resumable': '1.0.0' },
    });
    expect([404, 410]).toContain(head.status);
  });

  it('keeps dedupe=content and Content-Digest working on the hash of the whole upload', async () => {
    const text = peopleFixture(3000, 8).text;
    const file = writeFile('twice.csv', text);
    const sha = createHash('sha256').update(text);
    const digest = `sha-256=:${sha.copy().digest('base64')}:`;
    const endpoint = `${ctx.system.baseUrl}/v1/uploads`;
    const upload = async (metadata: Record<string, string>) => {
      const run = await runTusClient(endpoint, ctx.system.apiKey, file, {
        metadata: { filename: 'twice.csv', table: 'tus_twice', dedupe: 'content', ...metadata },
        chunkSize: 50_000,
      });
      expect(run.events.at(-1)).toEqual({ done: true });
      return new URL(run.url ?? '', endpoint).pathname.split('/').pop() ?? '';
    };
    const first = await ctx.system.waitForJob(await upload({ content_digest: digest }));
    expect(first).toMatchObject({ status: 'completed', sha256: sha.digest('hex') });
    const second = await ctx.system.waitForJob(await upload({}));
    expect(second).toMatchObject({
      status: 'cancelled',
      error: { code: 'CONTENT_DUPLICATE', message: expect.stringContaining(first.id) },
    });
    const wrong = `sha-256=:${createHash('sha256').update('other').digest('base64')}:`;
    const mismatch = await ctx.system.waitForJob(
      await upload({ table: 'tus_wrong', content_digest: wrong }),
    );
    expect(mismatch).toMatchObject({ status: 'failed', error: { code: 'DIGEST_MISMATCH' } });
    const { rows } = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${ctx.system.table('tus_twice')}`,
    );
    expect(rows[0]?.n).toBe(3000);
  });

  it('refuses a bad option in the metadata at creation, before any byte', async () => {
    const file = writeFile('bad.csv', peopleFixture(10, 1).text);
    const before = await ctx.db.query('SELECT count(*)::int AS n FROM ingest.jobs');
    const run = await runTusClient(`${ctx.system.baseUrl}/v1/uploads`, ctx.system.apiKey, file, {
      metadata: { filename: 'bad.csv', mode: 'sideways' },
    });
    const failure = run.events.at(-1);
    expect(failure?.status).toBe(400);
    expect(JSON.parse(failure?.body ?? '{}')).toMatchObject({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('mode') },
    });
    const unknown = await runTusClient(
      `${ctx.system.baseUrl}/v1/uploads`,
      ctx.system.apiKey,
      file,
      { metadata: { filename: 'bad.csv', chunk_sise: '1MiB' } },
    );
    expect(unknown.events.at(-1)?.status).toBe(400);
    expect(unknown.events.at(-1)?.body).toContain('chunk_sise');
    const after = await ctx.db.query('SELECT count(*)::int AS n FROM ingest.jobs');
    expect(after.rows[0]).toEqual(before.rows[0]);
  });
});

describe('resumable uploads that expire', () => {
  const ctx = useTestSystem(
    { GATEWAY_TUS_SEGMENT_BYTES: '65536', GATEWAY_TUS_EXPIRY: '2s', SWEEPER_INTERVAL: '200ms' },
    { loaders: 1, notifier: false },
  );

  it('fails the job with UPLOAD_EXPIRED and deletes the stored parts', async () => {
    const fixture = peopleFixture(20_000, 5);
    const file = writeFile('abandoned.csv', fixture.text);
    const run = await runTusClient(`${ctx.system.baseUrl}/v1/uploads`, ctx.system.apiKey, file, {
      metadata: { filename: 'abandoned.csv' },
      chunkSize: 100_000,
      killAt: 0.5,
    });
    const url = new URL(run.url ?? '', ctx.system.baseUrl);
    const id = url.pathname.split('/').pop() ?? '';
    const { rows } = await ctx.db.query<{ object_key: string }>(
      'SELECT object_key FROM ingest.jobs WHERE id = $1',
      [id],
    );
    const key = rows[0]?.object_key ?? '';
    expect(await keysStartingWith(ctx.t.env, `${key}/`)).not.toHaveLength(0);

    const failed = await ctx.system.waitForJob(id, 20_000);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'UPLOAD_EXPIRED' } });
    expect(failed.object.stored).toBe(false);
    expect(await keysStartingWith(ctx.t.env, `${key}/`)).toEqual([]);
    const head = await ctx.system.fetch(url.pathname, {
      method: 'HEAD',
      headers: { 'Tus-Resumable': '1.0.0' },
    });
    expect(head.status).toBe(410);
  });
});

describe('a tus request whose segment the storage fails to take', () => {
  let proxy: TcpProxy | undefined;
  const ctx = useTestSystem(
    async () => {
      // The services reach the S3 server through a proxy the test can cut.
      const s3 = new URL(process.env.S3_ENDPOINT ?? 'http://127.0.0.1:4569');
      proxy = await startTcpProxy(Number(s3.port), s3.hostname);
      return { GATEWAY_TUS_SEGMENT_BYTES: '65536', S3_ENDPOINT: `http://127.0.0.1:${proxy.port}` };
    },
    { loaders: 1, notifier: false },
  );
  afterAll(async () => {
    await proxy?.close();
  });

  it('keeps every byte it was given: resumed from the offset it tells, the file loads exactly', async () => {
    const fixture = peopleFixture(20_000, 31);
    const body = Buffer.from(fixture.text);
    const tus = { authorization: `Bearer ${ctx.system.apiKey}`, 'tus-resumable': '1.0.0' };
    const created = await ctx.system.fetch('/v1/uploads', {
      method: 'POST',
      headers: {
        ...tus,
        'upload-length': String(body.length),
        'upload-metadata': `table ${Buffer.from('tus_storage_fault').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const id = created.headers.get('ingest-job-id') ?? '';
    const location = new URL(created.headers.get('location') ?? '', ctx.system.baseUrl);
    const offsetInDb = async () =>
      Number(
        (
          await ctx.db.query<{ upload_offset: string }>(
            'SELECT upload_offset FROM ingest.resumable_uploads WHERE job_id = $1',
            [id],
          )
        ).rows[0]?.upload_offset ?? 0,
      );

    const patch = request(location, {
      method: 'PATCH',
      headers: {
        ...tus,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(body.length),
      },
    });
    const answered = new Promise<void>((resolve) => {
      patch.on('response', (res) => {
        res.resume();
        resolve();
      });
      patch.on('error', () => resolve());
    });
    patch.write(body.subarray(0, 200_000));
    await eventually(offsetInDb, (offset) => offset >= 2 * 65536, 15_000);
    // The storage stops answering: the next segment's PUT waits for its answer; then the
    // connection breaks, and the storage is back for whatever comes next.
    (proxy as TcpProxy).freeze();
    patch.write(body.subarray(200_000, 400_000));
    await new Promise((r) => setTimeout(r, 500));
    (proxy as TcpProxy).cut();
    (proxy as TcpProxy).thaw();
    patch.end(body.subarray(400_000));
    await answered;

    // As a tus client resumes: HEAD for the offset, then PATCH from there.
    for (let attempt = 0; attempt < 5; attempt++) {
      const head = await fetch(location, { method: 'HEAD', headers: tus });
      const offset = Number(head.headers.get('upload-offset'));
      if (offset === body.length) break;
      await fetch(location, {
        method: 'PATCH',
        headers: {
          ...tus,
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body: body.subarray(offset),
      });
    }
    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: 20_000, rejected: 0 } });
    expect(done.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    const { rows } = await ctx.db.query<{ n: number; ids: string }>(
      `SELECT count(DISTINCT id)::int AS n, sum(id)::text AS ids FROM ${ctx.system.table('tus_storage_fault')}`,
    );
    expect(rows[0]).toEqual({ n: 20_000, ids: String((20_000 * 20_001) / 2) });
  });
});
