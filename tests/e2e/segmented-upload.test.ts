import { gzipSync } from 'node:zlib';
import { peopleFixture, useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { disconnectMidUpload, keysSettledTo } from '../support/aborted-upload';
import { listObjectKeys } from '../support/s3-objects';

/**
 * Raw uploads of declared length are stored as segment objects (here of 1000
 * bytes, so chunks and segments cut the file in unrelated places): rows load
 * byte for byte, the segments are plain objects, and a failed upload leaves
 * none of them behind (tests/e2e/streamed-upload.test.ts: loading while they arrive).
 */
describe('segmented uploads', () => {
  const ctx = useTestSystem(
    { GATEWAY_SEGMENT_BYTES: '1000', GATEWAY_MIN_CHUNK_BYTES: '16' },
    { loaders: 2, notifier: false },
  );
  const fixture = peopleFixture(1500, 9);

  const put = async (table: string, body: string | Buffer, query = '') => {
    const res = await ctx.system.fetch(`/v1/jobs/raw?table=${table}${query}`, {
      method: 'PUT',
      body,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as JobView).id;
  };

  const rowsOf = async (table: string) =>
    (
      await ctx.db.query<{ row: string[] }>(
        `SELECT ARRAY[id::text, name, email, city, notes] AS row FROM ${ctx.system.table(table)} ORDER BY id`,
      )
    ).rows.map((r) => r.row.map((v) => v ?? ''));

  const expected = fixture.rows.map((r) => r.map((v) => v.trim()));

  it.each([97, 3000])(
    'loads every row exactly when chunks of %i bytes cross segment boundaries',
    async (chunk) => {
      const table = `segmented_${chunk}`;
      const id = await put(table, fixture.text, `&chunk_size=${chunk}`);
      const done = await ctx.system.waitForJob(id);
      expect(done).toMatchObject({ status: 'completed', rows: { loaded: 1500, rejected: 0 } });
      expect(await rowsOf(table)).toEqual(expected);
      const stored = await ctx.db.query<{ object_key: string; segment_bytes: number }>(
        'SELECT object_key, segment_bytes FROM ingest.jobs WHERE id = $1',
        [id],
      );
      const { object_key: key, segment_bytes: size } = stored.rows[0] ?? {};
      expect(size).toBe(1000);
      const segments = (await listObjectKeys(ctx.t.env)).filter((k) => k.startsWith(`${key}/`));
      expect(segments).toHaveLength(Math.ceil(Buffer.byteLength(fixture.text) / 1000));
    },
  );

  it('decompresses a gzip upload stored as segments', async () => {
    const id = await put('segmented_gzip', gzipSync(fixture.text));
    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: 1500, rejected: 0 } });
    expect(done.dialect?.compression).toBe('gzip');
    expect(await rowsOf('segmented_gzip')).toEqual(expected);
  });

  it('fails its job with UPLOAD_ABORTED and leaves no segment behind when the client disconnects', async () => {
    const before = await listObjectKeys(ctx.t.env);
    await disconnectMidUpload(
      ctx.system,
      'segmented_aborted',
      50_000,
      fixture.text.slice(0, 12_000),
    );
    // The gateway notices the disconnect and removes the segments it wrote.
    const after = await keysSettledTo(ctx.t.env, before);
    expect(after).toEqual(before);
    // The job existed from its first segment on: it ends failed, saying why.
    const jobs = await ctx.db.query<{ status: string; error_code: string }>(
      `SELECT status, error_code FROM ingest.jobs WHERE table_name = 'segmented_aborted'`,
    );
    expect(jobs.rows).toEqual([{ status: 'failed', error_code: 'UPLOAD_ABORTED' }]);
  });
});
