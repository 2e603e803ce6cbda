import type { JobRecord, ResumableUpload } from '@ingest/jobs';
import { FsObjectStore, segmentKey, type ObjectStore } from '@ingest/object-store';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { prepareFollowedSource } from './prepare-source';

describe('prepareFollowedSource on a gzip upload', () => {
  let root: string;
  let store: FsObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'prepare-source-'));
    store = new FsObjectStore({ root });
    await store.prepare();
  });
  afterEach(async () => {
    store.close();
    await rm(root, { recursive: true, force: true });
  });

  it('rejects when the upload is removed while its head is decompressed, and the process lives on', async () => {
    const key = 'uploads/gone';
    const segmentBytes = 256;
    const gz = gzipSync(
      Buffer.from(Array.from({ length: 500 }, (_, i) => `${i},name ${i}\n`).join('')),
    );
    expect(gz.length).toBeGreaterThan(2 * segmentBytes);
    for (let n = 0; n * segmentBytes < gz.length; n++) {
      const piece = gz.subarray(n * segmentBytes, (n + 1) * segmentBytes);
      await store.put(segmentKey(key, n), Readable.from([piece]), piece.length);
    }
    // The samples read the head; then the job ends and its objects go (a sweep with retention
    // 0) while the gzip head is read again to be decompressed.
    let reads = 0;
    const vanishing: ObjectStore = Object.assign(Object.create(store) as FsObjectStore, {
      read: async (k: string, range?: { start: number; end: number }) => {
        reads += 1;
        if (k === segmentKey(key, 1) && reads > 3) await store.remove(k);
        return store.read(k, range);
      },
    });
    const row = {
      job_id: 'j',
      length: gz.length,
      upload_offset: gz.length,
      tail_bytes: 0,
      segment_bytes: segmentBytes,
      finished_at: new Date(),
    } as ResumableUpload;
    const job = { object_key: key, dialect_overrides: null } as unknown as JobRecord;
    const deps = {
      store: vanishing,
      maxDecompressedBytes: 1 << 20,
      upload: () => Promise.resolve(row),
      pollMs: 10,
      idleMs: 1000,
      signal: new AbortController().signal,
    };
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      await expect(prepareFollowedSource(deps, job, row)).rejects.toThrow(/gone\/000001/);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  }, 10_000);
});
