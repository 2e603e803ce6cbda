import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { FsObjectStore } from '@ingest/object-store';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { peopleFixture, useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { startGatewayProcess, startStalledUpload } from '../support/gateway-process';
import { keysStartingWith, listObjectKeys, putObject } from '../support/s3-objects';
import { expectExactlyOnce, expectLedgerComplete } from '../support/exactly-once';

/** Polls `check` every 100 ms until it returns true (or fails after `timeoutMs`). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The splitter's sweeper after crashes: the writes of a gateway killed
 * mid-upload, objects nobody owns, and a job whose message was never published;
 * on S3 (s3rver) and on a directory (STORAGE_BACKEND=fs, whose writes in progress
 * are files the sweeper must find and delete).
 */
const storages: Array<[string, Record<string, string>]> = [
  ['S3', {}],
  [
    'a directory',
    { STORAGE_BACKEND: 'fs', STORAGE_DIR: join(tmpdir(), `ingest-sweeps-${randomUUID()}`) },
  ],
];

describe.each(storages)('storage sweeps on %s', (_name, storage) => {
  const ctx = useTestSystem(
    {
      ...storage,
      SWEEPER_INTERVAL: '200ms',
      SWEEPER_ORPHAN_INTERVAL: '200ms',
      SWEEPER_ORPHAN_GRACE: '1s',
      SWEEPER_REPUBLISH_AFTER: '1s',
      STORAGE_UPLOAD_LEASE: '1s',
      GATEWAY_SEGMENT_BYTES: '4096',
    },
    { loaders: 1, notifier: false },
  );

  const uploadsRows = async () =>
    (
      await ctx.db.query<{ object_key: string; upload_id: string | null }>(
        'SELECT object_key, upload_id FROM ingest.uploads ORDER BY started_at',
      )
    ).rows;

  const jobsOf = async (tables: string[]) =>
    (
      await ctx.db.query<{ table_name: string; status: string; error_code: string | null }>(
        'SELECT table_name, status, error_code FROM ingest.jobs WHERE table_name = ANY($1) ORDER BY created_at',
        [tables],
      )
    ).rows;

  it('leaves nothing of the uploads of a gateway killed mid-upload', async () => {
    const gateway = await startGatewayProcess(ctx.t.env, 'gateway-killed');
    const csv = peopleFixture(2000, 7).text;
    const segmented = startStalledUpload(
      gateway.baseUrl,
      ctx.system.apiKey,
      'killed_segmented',
      Buffer.from(csv.slice(0, 50_000)),
      200_000,
    );
    // Sent chunked: its segments (none known to be whole) stream as uploads of unknown length.
    const chunked = startStalledUpload(
      gateway.baseUrl,
      ctx.system.apiKey,
      'killed_chunked',
      Buffer.from(csv.slice(0, 50_000)),
    );
    // Both writes recorded, segments of both written, and both jobs (from their first segment).
    let keys: string[] = [];
    let segmentKeys: string[] = [];
    await eventually('both uploads in flight', async () => {
      const rows = await uploadsRows();
      keys = rows.map((r) => r.object_key);
      if (rows.length !== 2) return false;
      if ((await jobsOf(['killed_segmented', 'killed_chunked'])).length !== 2) return false;
      const stored = await listObjectKeys(ctx.t.env);
      segmentKeys = stored.filter((k) => keys.some((key) => k.startsWith(`${key}/`)));
      return segmentKeys.length >= 10;
    });

    gateway.process.child.kill('SIGKILL');
    await gateway.process.exited;
    segmented.destroy();
    chunked.destroy();

    // The leases run out (1 s) and the sweeper settles both writes.
    await eventually(
      'the abandoned writes settled',
      async () => (await uploadsRows()).length === 0,
    );
    for (const key of keys) expect(await keysStartingWith(ctx.t.env, key)).toEqual([]);
    if (storage.STORAGE_DIR) {
      // Not even the files of the writes in progress are left.
      const directory = new FsObjectStore({ root: storage.STORAGE_DIR });
      expect(await directory.listMultipartUploads('uploads/')).toEqual([]);
    }
    // Both were jobs from their first segment on (they load while they arrive): with their
    // gateway gone they end failed, saying why.
    await eventually('the raw upload jobs ended', async () => {
      const rows = await jobsOf(['killed_segmented', 'killed_chunked']);
      return (
        rows.length === 2 &&
        rows.every((r) => r.status === 'failed' && r.error_code === 'UPLOAD_ABORTED')
      );
    });
  });

  it("an atomic upload cut by its gateway's death: the sweep ends it, the retry with its key loads once", async () => {
    const rows = 3000;
    const csv = peopleFixture(rows, 9).text;
    const headers = { 'idempotency-key': `killed-${randomUUID()}` };
    // atomic=true: rows of a job that fails stay out of the table (in append mode, what
    // committed before the cut would stay, and a retry of the whole file would repeat it).
    const query = 'table=killed_keyed&atomic=true';
    const gateway = await startGatewayProcess(ctx.t.env, 'gateway-killed-keyed');
    const first = startStalledUpload(
      gateway.baseUrl,
      ctx.system.apiKey,
      'killed_keyed&atomic=true', // the query after `table=`
      Buffer.from(csv.slice(0, 60_000)),
      Buffer.byteLength(csv),
      headers,
    );
    let key = '';
    await eventually('the upload in flight', async () => {
      const uploads = await uploadsRows();
      key = uploads[0]?.object_key ?? '';
      return key !== '' && (await keysStartingWith(ctx.t.env, `${key}/`)).length >= 5;
    });
    gateway.process.child.kill('SIGKILL');
    await gateway.process.exited;
    first.destroy();

    // Once the sweep has run: no write, no object; a job its first segments made (when the
    // gateway got that far) failed UPLOAD_ABORTED, and nothing of it in the table.
    await eventually('the abandoned write settled', async () => (await uploadsRows()).length === 0);
    expect(await keysStartingWith(ctx.t.env, key)).toEqual([]);
    await eventually(
      'the cut job ended',
      async () => (await jobsOf(['killed_keyed'])).every((j) => j.status === 'failed'),
      30_000,
    );
    for (const j of await jobsOf(['killed_keyed'])) expect(j.error_code).toBe('UPLOAD_ABORTED');
    const loadedBefore = await ctx.db
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.system.table('killed_keyed')}`)
      .catch(() => ({ rows: [{ n: 0 }] })); // no table yet
    expect(loadedBefore.rows[0]?.n).toBe(0);

    // The client retries with the same key (elsewhere), then once more as its answer was lost.
    const retry = () =>
      ctx.system.fetch(`/v1/jobs/raw?${query}`, { method: 'PUT', headers, body: csv });
    const created = await retry();
    expect(created.status).toBe(202);
    const job = (await created.json()) as JobView;
    const repeated = await retry();
    expect(repeated.status).toBe(200);
    expect(((await repeated.json()) as JobView).id).toBe(job.id);

    const done = await ctx.system.waitForJob(job.id, 30_000);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: rows, rejected: 0 } });
    await expectExactlyOnce(ctx.db, ctx.system.table('killed_keyed'), rows);
    await expectLedgerComplete(ctx.db, job.id, done.chunks.total ?? -1);
    expect((await jobsOf(['killed_keyed'])).filter((j) => j.status === 'completed')).toHaveLength(
      1,
    );
  });

  it('deletes old objects that no job and no write owns, and only those', async () => {
    const res = await ctx.system.fetch('/v1/jobs/raw?table=sweeps_kept', {
      method: 'PUT',
      body: peopleFixture(50, 2).text,
    });
    const { id } = (await res.json()) as JobView;
    await ctx.system.waitForJob(id);
    const owned = await ctx.db.query<{ object_key: string }>(
      'SELECT object_key FROM ingest.jobs WHERE id = $1',
      [id],
    );
    const jobKey = owned.rows[0]?.object_key ?? '';
    const inFlight = `uploads/${randomUUID()}`;
    await ctx.db.query(
      `INSERT INTO ingest.uploads (id, object_key, writer, expires_at)
       VALUES ($1, $2, 'a test', now() + interval '1 hour')`,
      [randomUUID(), inFlight],
    );
    const orphans = [
      `uploads/${randomUUID()}`,
      `uploads/${randomUUID()}/000000`,
      `uploads/${randomUUID()}.csv`,
    ];
    for (const key of [...orphans, `${inFlight}/000000`]) await putObject(ctx.t.env, key, 'x,y\n');

    await eventually('the orphans deleted', async () => {
      const keys = await listObjectKeys(ctx.t.env);
      return orphans.every((k) => !keys.includes(k));
    });
    const keys = await listObjectKeys(ctx.t.env);
    expect(keys).toContain(`${inFlight}/000000`);
    expect(keys.filter((k) => k.startsWith(jobKey)).length).toBeGreaterThan(0);
    expect((await ctx.system.fetch(`/v1/jobs/${id}`)).status).toBe(200);
  });

  // The loaders read a stored file last: on a directory they leave none of it in the page cache.
  if (storage.STORAGE_BACKEND === 'fs') {
    it('lets the page cache drop what the loaders read of a stored file', async () => {
      const csv = peopleFixture(20_000, 10).text;
      const res = await ctx.system.fetch('/v1/jobs/raw?table=sweeps_cached', {
        method: 'PUT',
        body: csv,
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as JobView;
      const done = await ctx.system.waitForJob(id, 20_000);
      expect(done).toMatchObject({ status: 'completed', rows: { loaded: 20_000, rejected: 0 } });

      // Its 4 KiB segments: those a chunk read whole leave the cache. The one holding the header
      // (never loaded) and one at each border between chunks stay, and so can pages the kernel
      // still holds in its per-CPU LRU batches (tens of pages): most go.
      const { rows } = await ctx.db.query<{ object_key: string }>(
        'SELECT object_key FROM ingest.jobs WHERE id = $1',
        [id],
      );
      const dir = join(storage.STORAGE_DIR!, ...rows[0]!.object_key.split('/'));
      const segments = (await readdir(dir)).map((f) => join(dir, f));
      expect(segments.length).toBe(Math.ceil(Buffer.byteLength(csv) / 4096));
      const { stdout } = await promisify(execFile)('fincore', [
        '--bytes',
        '--noheadings',
        '--output',
        'RES',
        ...segments,
      ]);
      const cached = stdout.trim().split('\n').map(Number);
      expect(cached.length).toBe(segments.length);
      const kept = cached.filter((bytes) => bytes > 0).length;
      expect(segments.length).toBeGreaterThan(200);
      expect(kept).toBeLessThan(segments.length / 4);
    });
  }

  it('publishes again a job left stored without its message, which then completes', async () => {
    const id = randomUUID();
    const key = `uploads/${id}`;
    const csv = peopleFixture(120, 8).text;
    await putObject(ctx.t.env, key, csv);
    // What a gateway that died between the insert and the publish leaves behind.
    await ctx.db.query(
      `INSERT INTO ingest.jobs (id, tenant, target_schema, status, table_name, object_key, bytes,
         sha256, created_at)
       VALUES ($1, 'default', $4, 'stored', 'sweeps_outbox', $2, $3, 'x', now() - interval '10 seconds')`,
      [id, key, Buffer.byteLength(csv), ctx.system.schema],
    );
    const done = await ctx.system.waitForJob(id, 20_000);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: 120, rejected: 0 } });
    const row = await ctx.db.query<{ republished: boolean; picked: boolean }>(
      `SELECT republished_at IS NOT NULL AS republished, planning_started_at IS NOT NULL AS picked
       FROM ingest.jobs WHERE id = $1`,
      [id],
    );
    expect(row.rows[0]).toEqual({ republished: true, picked: true });
    const table = await ctx.db.query(
      `SELECT count(*)::int AS n FROM ${ctx.system.table('sweeps_outbox')}`,
    );
    expect(table.rows[0]).toEqual({ n: 120 });
  });
});
