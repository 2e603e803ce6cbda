import { createHash } from 'node:crypto';
import { request, type ClientRequest } from 'node:http';
import { peopleFixture, useTestSystem } from '@ingest/testing';
import { eventually } from '../support/broker';

const SEGMENT = 65536;

/**
 * The gateway's tus segment memory is bounded over all requests
 * (GATEWAY_TUS_BUFFER_BYTES): here two segments, so two requests sending bytes
 * at once fill it and a third is refused before any byte is read, then goes
 * through once one has ended. Each upload still loads exactly.
 */
describe('tus segment memory shared by every request of a gateway', () => {
  const ctx = useTestSystem(
    { GATEWAY_TUS_SEGMENT_BYTES: String(SEGMENT), GATEWAY_TUS_BUFFER_BYTES: String(2 * SEGMENT) },
    { loaders: 1, notifier: false },
  );
  const tusHeaders = () => ({
    authorization: `Bearer ${ctx.system.apiKey}`,
    'tus-resumable': '1.0.0',
  });

  const create = async (table: string, length: number) => {
    const created = await ctx.system.fetch('/v1/uploads', {
      method: 'POST',
      headers: {
        ...tusHeaders(),
        'upload-length': String(length),
        'upload-metadata': `table ${Buffer.from(table).toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    return {
      id: created.headers.get('ingest-job-id') ?? '',
      url: new URL(created.headers.get('location') ?? '', ctx.system.baseUrl),
    };
  };

  /** A PATCH of the whole body whose bytes the test sends piece by piece. */
  const heldPatch = (url: URL, length: number) => {
    const patch: ClientRequest = request(url, {
      method: 'PATCH',
      headers: {
        ...tusHeaders(),
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(length),
      },
    });
    const answer = new Promise<{ status: number; offset: string | undefined }>(
      (resolve, reject) => {
        patch.on('response', (res) => {
          res.resume();
          const offset = res.headers['upload-offset'];
          resolve({ status: res.statusCode ?? 0, offset: Array.isArray(offset) ? '' : offset });
        });
        patch.on('error', reject);
      },
    );
    return { patch, answer };
  };

  /** The whole file in one PATCH from offset 0, as `curl -X PATCH` sends it. */
  const patchWhole = (url: URL, file: Buffer) =>
    ctx.system.fetch(url.pathname, {
      method: 'PATCH',
      headers: {
        ...tusHeaders(),
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: file,
    });

  const bufferBytes = async () => {
    const text = await (await fetch(`${ctx.system.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('ingest_gateway_tus_buffer_bytes'));
    return Number(line?.split(' ').pop());
  };

  it('answers 503 UPLOADS_BUSY while two requests hold it, then takes the request', async () => {
    const files = [1, 2, 3].map((seed) => Buffer.from(peopleFixture(3_000, seed).text));
    const [a, b, c] = await Promise.all(
      files.map((file, i) => create(`tus_memory_${i + 1}`, file.length)),
    );
    const [fileA, fileB, fileC] = files as [Buffer, Buffer, Buffer];
    if (!a || !b || !c) throw new Error('three uploads were created');

    // A fills more than a segment: with no room for a second buffer it refills its one.
    const first = heldPatch(a.url, fileA.length);
    first.patch.write(fileA.subarray(0, SEGMENT + 20_000));
    const second = heldPatch(b.url, fileB.length);
    second.patch.write(fileB.subarray(0, 10_000));
    expect(await eventually(bufferBytes, (n) => n === 2 * SEGMENT, 10_000)).toBe(2 * SEGMENT);

    const refused = await patchWhole(c.url, fileC);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('UPLOADS_BUSY');
    expect(error.message).toMatch(/from the same offset/);
    const head = await ctx.system.fetch(c.url.pathname, { method: 'HEAD', headers: tusHeaders() });
    expect(head.headers.get('upload-offset')).toBe('0');

    first.patch.end(fileA.subarray(SEGMENT + 20_000));
    second.patch.end(fileB.subarray(10_000));
    expect(await first.answer).toEqual({ status: 204, offset: String(fileA.length) });
    expect(await second.answer).toEqual({ status: 204, offset: String(fileB.length) });
    expect(await eventually(bufferBytes, (n) => n === 0, 10_000)).toBe(0);

    const retried = await patchWhole(c.url, fileC);
    expect(retried.status).toBe(204);

    for (const [upload, file, i] of [
      [a, fileA, 1],
      [b, fileB, 2],
      [c, fileC, 3],
    ] as const) {
      const done = await ctx.system.waitForJob(upload.id);
      expect(done).toMatchObject({ status: 'completed', rows: { loaded: 3_000, rejected: 0 } });
      expect(done.sha256).toBe(createHash('sha256').update(file).digest('hex'));
      const { rows } = await ctx.db.query<{ n: number; ids: string }>(
        `SELECT count(DISTINCT id)::int AS n, sum(id)::text AS ids FROM ${ctx.system.table(`tus_memory_${i}`)}`,
      );
      expect(rows[0]).toEqual({ n: 3_000, ids: String((3_000 * 3_001) / 2) });
    }
  });
});
