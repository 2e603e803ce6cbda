import { useTestSystem, toCsv } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { disconnectMidUpload, keysSettledTo } from '../support/aborted-upload';
import { listObjectKeys } from '../support/s3-objects';

describe('record-aligned chunks', () => {
  const ctx = useTestSystem({ GATEWAY_MIN_CHUNK_BYTES: '16' }, { loaders: 2, notifier: false });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])(
    'loads quoted multi-line fields byte for byte wherever chunk boundaries fall (%s)',
    async (_name, eol) => {
      // Every record holds a quoted field with newlines, delimiters, quotes and
      // multi-byte characters; a 97-byte chunk target puts boundaries all over them.
      const rows = Array.from({ length: 400 }, (_, i) => [
        String(i + 1),
        `line 1 of ${i}${eol}line "2", still ${i}\r\nline ${'é€😀'.repeat(i % 4)}\rend`,
        i % 3 === 0 ? '' : `tail,${i}`,
      ]);
      const csv = toCsv(['id', 'body', 'tail'], rows, eol);
      const table = `multiline_${_name.toLowerCase()}`;
      const res = await ctx.system.fetch(`/v1/jobs/raw?table=${table}&chunk_size=97`, {
        method: 'PUT',
        body: csv,
      });
      const { id } = (await res.json()) as JobView;
      const done = await ctx.system.waitForJob(id);
      expect(done).toMatchObject({
        status: 'completed',
        records: 400,
        rows: { loaded: 400, rejected: 0 },
      });
      expect(done.chunks.total).toBeGreaterThan(100);
      const loaded = await ctx.db.query<{ id: string; body: string; tail: string | null }>(
        `SELECT id::text AS id, body, tail FROM ${ctx.system.table(table)} ORDER BY id::int`,
      );
      expect(loaded.rows.map((r) => [r.id, r.body, r.tail ?? ''])).toEqual(rows);
    },
  );

  it('leaves nothing behind when the client disconnects mid-upload', async () => {
    const before = await listObjectKeys(ctx.t.env);
    await disconnectMidUpload(
      ctx.system,
      'aborted',
      10 * 1024 * 1024,
      'id,name\n' + '1,x\n'.repeat(200_000),
    );
    // The gateway notices the closed socket, aborts the upload and deletes the key.
    const keys = await keysSettledTo(ctx.t.env, before);
    expect(keys).toEqual(before);
    const jobs = await ctx.db.query(`SELECT 1 FROM ingest.jobs WHERE table_name = 'aborted'`);
    expect(jobs.rowCount).toBe(0);
  });
});
