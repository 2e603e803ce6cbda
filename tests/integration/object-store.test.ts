import { classifyFailure, isAppError } from '@ingest/errors';
import {
  FedPut,
  FsObjectStore,
  S3ObjectStore,
  canDropFromPageCache,
  readStoredFile,
  removeStoredFile,
  segmentKey,
  startSegmentedUpload,
  type ObjectStore,
  type OwnedObjectStore,
  type S3ObjectStoreOptions,
} from '@ingest/object-store';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { removeBucket } from '../support/s3-objects';

/**
 * Both adapters of the port and the stored-file layout on each: the S3 adapter against
 * the real local S3 server (s3rver), in a bucket of this file's own that is removed
 * afterwards, and the filesystem adapter in a temporary directory. Ranges avoid
 * `bytes=0-0` and suffix ranges as requests: s3rver answers both wrongly (the adapter
 * itself never sends them).
 */
const env = {
  S3_ENDPOINT: process.env.S3_ENDPOINT ?? 'http://127.0.0.1:4569',
  S3_BUCKET: `objects-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
};
const options: S3ObjectStoreOptions = {
  endpoint: env.S3_ENDPOINT,
  region: 'us-east-1',
  bucket: env.S3_BUCKET,
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  forcePathStyle: true,
  maxObjectBytes: 1024 ** 3,
};
const MIB = 1024 * 1024;

const bytesOf = (length: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) % 251));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** `data` as a stream of pieces of at most `size` bytes. */
const inPieces = (data: Buffer, size: number): Readable =>
  Readable.from(
    Array.from({ length: Math.ceil(data.length / size) }, (_, i) =>
      data.subarray(i * size, (i + 1) * size),
    ),
  );

/** Every key in the store, in the order the store lists them. */
async function allKeys(store: ObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of store.list(prefix)) keys.push(...page.map((o) => o.key));
  return keys;
}

interface Backend {
  name: string;
  /** s3rver lists in its own directory order, not in key order as S3 and MinIO do. */
  listsInKeyOrder: boolean;
  /**
   * s3rver may keep what arrived of a PUT whose request was cut (it depends on timing); S3
   * and MinIO refuse a body shorter than its Content-Length. Readers never see it: they read
   * only what the recorded offsets say is stored.
   */
  keepsCutPuts: boolean;
  create(): Promise<OwnedObjectStore>;
  destroy(): Promise<void>;
}

let fsRoot = '';
const backends: Backend[] = [
  {
    name: 'S3ObjectStore on s3rver',
    listsInKeyOrder: false,
    keepsCutPuts: true,
    create: async () => {
      const store = new S3ObjectStore(options);
      await store.prepare();
      await store.prepare(); // every replica calls it at start: a second call is harmless
      return store;
    },
    destroy: () => removeBucket(env),
  },
  {
    name: 'FsObjectStore in a directory',
    listsInKeyOrder: true,
    keepsCutPuts: false,
    create: async () => {
      fsRoot = await mkdtemp(join(tmpdir(), 'objects-'));
      const store = new FsObjectStore({ root: join(fsRoot, 'store') });
      await store.prepare();
      await store.prepare();
      return store;
    },
    destroy: () => rm(fsRoot, { recursive: true, force: true }),
  },
];

describe.each(backends)('$name', (backend) => {
  let store: OwnedObjectStore;
  /** The keys listed under `prefix`, sorted unless the store promises their order itself. */
  const listed = async (prefix: string): Promise<string[]> => {
    const keys = await allKeys(store, prefix);
    return backend.listsInKeyOrder ? keys : keys.sort();
  };

  beforeAll(async () => {
    store = await backend.create();
  });

  afterAll(async () => {
    store.close();
    await backend.destroy();
  });

  it('puts an object and reads it back whole, with its size', async () => {
    const data = bytesOf(100_000, 1);
    await store.put('plain/one.csv', Readable.from([data]), data.length);
    expect(await buffer(await store.read('plain/one.csv'))).toEqual(data);
    expect(await store.size('plain/one.csv')).toBe(data.length);
    await store.ping();
  });

  it('reads half-open byte ranges', async () => {
    const data = bytesOf(10_000, 2);
    await store.put('plain/ranges.csv', Readable.from([data]), data.length);
    const ranges: Array<[number, number]> = [
      [0, 1], // sent as bytes=0-1 and cut to one byte
      [0, 2],
      [1, 2],
      [5, 100],
      [4096, 8192],
      [9_990, 10_000],
      [0, 10_000],
    ];
    for (const [start, end] of ranges) {
      const got = await buffer(await store.read('plain/ranges.csv', { start, end }));
      expect([start, end, got]).toEqual([start, end, data.subarray(start, end)]);
    }
  });

  it('uploads a multipart object in parts and reads it back', async () => {
    const data = bytesOf(11 * MIB + 123, 3);
    // 5 MiB parts (the smallest S3 allows): three parts.
    const upload = store.startUpload('multipart/big.csv', inPieces(data, 256 * 1024), {
      expectedBytes: data.length,
      metadata: { origin: 'test' },
    });
    await expect(upload.done()).resolves.toEqual({ key: 'multipart/big.csv' });
    expect(await store.size('multipart/big.csv')).toBe(data.length);
    expect(sha256(await buffer(await store.read('multipart/big.csv')))).toBe(sha256(data));
    const start = 5 * MIB - 10;
    const tail = await buffer(await store.read('multipart/big.csv', { start, end: start + 20 }));
    expect(tail).toEqual(data.subarray(start, start + 20));
  });

  it('leaves nothing behind when an upload is aborted', async () => {
    const body = new PassThrough();
    const upload = store.startUpload('multipart/aborted.csv', body);
    body.write(bytesOf(6 * MIB, 4));
    await upload.abort();
    await expect(upload.done()).rejects.toBeDefined();
    expect(await store.size('multipart/aborted.csv')).toBeNull();
  });

  it('stores an object fed piece by piece, as the pieces come', async () => {
    const data = bytesOf(3 * MIB + 7, 5);
    const put = new FedPut(store, 'fed/whole.csv', data.length);
    for (let at = 0; at < data.length; at += 64 * 1024) {
      await put.write(data.subarray(at, at + 64 * 1024));
    }
    await put.end();
    expect(sha256(await buffer(await store.read('fed/whole.csv')))).toBe(sha256(data));
  });

  it('stores nothing of a fed object given up half way, and gives up at once', async () => {
    const put = new FedPut(store, 'fed/half.csv', 2 * MIB);
    await put.write(bytesOf(MIB, 6));
    // The store waits for the second MiB: only the abort ends the write.
    await put.abort();
    const size = await store.size('fed/half.csv');
    if (backend.keepsCutPuts) expect(size ?? 0).toBeLessThan(2 * MIB);
    else expect([size, await allKeys(store, 'fed/half')]).toEqual([null, []]);
  });

  it('stores a fed object of unknown length that ends short of its bound', async () => {
    const data = bytesOf(MIB + 11, 7);
    const put = new FedPut(store, 'fed/short.csv', { atMost: 3 * MIB });
    for (let at = 0; at < data.length; at += 100_000) {
      await put.write(data.subarray(at, at + 100_000));
    }
    await put.end();
    expect(sha256(await buffer(await store.read('fed/short.csv')))).toBe(sha256(data));
  });

  it('stores nothing of a fed object of unknown length given up, and refuses more pieces', async () => {
    const put = new FedPut(store, 'fed/unknown-cut.csv', { atMost: 8 * MIB });
    await put.write(bytesOf(MIB, 8));
    await put.abort();
    await expect(put.write(bytesOf(10, 9))).rejects.toThrow(/given up/);
    expect(await store.size('fed/unknown-cut.csv')).toBeNull();
  });

  it('stores a segmented file and reads ranges across segment borders', async () => {
    const segmentBytes = 1024;
    const data = bytesOf(10 * segmentBytes + 300, 5);
    const file = { key: 'segmented/file.csv', segmentBytes };
    const upload = startSegmentedUpload(
      store,
      file.key,
      inPieces(data, 700),
      data.length,
      segmentBytes,
    );
    await upload.done();

    const keys = await listed(`${file.key}/`);
    expect(keys).toEqual(Array.from({ length: 11 }, (_, n) => segmentKey(file.key, n)));
    expect(await store.size(segmentKey(file.key, 0))).toBe(segmentBytes);
    expect(await store.size(segmentKey(file.key, 10))).toBe(300);

    const ranges: Array<[number, number]> = [
      [0, data.length],
      [1000, 1100], // across the first border
      [1023, 1025], // one byte on each side of it
      [2048, 3072], // exactly the third segment
      [2047, 5121], // four borders
      [10 * segmentBytes, data.length], // the short last segment
      [10_000, 10_200],
    ];
    for (const [start, end] of ranges) {
      const got = await buffer(await readStoredFile(store, file, { start, end }));
      expect([start, end, sha256(got)]).toEqual([start, end, sha256(data.subarray(start, end))]);
    }

    await removeStoredFile(store, file, data.length);
    expect(await allKeys(store, `${file.key}/`)).toEqual([]);
  });

  it('removes an object; removing a missing one is no error', async () => {
    await store.put('plain/gone.csv', Readable.from([Buffer.from('x')]), 1);
    await store.remove('plain/gone.csv');
    expect(await store.size('plain/gone.csv')).toBeNull();
    await expect(store.remove('plain/gone.csv')).resolves.toBeUndefined();
  });

  it('keeps an object beside the objects under its key followed by a slash', async () => {
    // A segmented upload is `k/000000…`; a file stored whole is `k`: both may exist at once.
    await store.put('both/k', Readable.from([Buffer.from('whole')]), 5);
    await store.put('both/k/000000', Readable.from([Buffer.from('segment')]), 7);
    expect(await listed('both/')).toEqual(['both/k', 'both/k/000000']);
    expect((await buffer(await store.read('both/k'))).toString()).toBe('whole');
    await store.remove('both/k');
    expect(await listed('both/')).toEqual(['both/k/000000']);
    expect((await buffer(await store.read('both/k/000000'))).toString()).toBe('segment');
    await store.remove('both/k/000000');
    expect(await listed('both/')).toEqual([]);
  });

  it('lists the keys that start with a prefix, in key order, with their sizes', async () => {
    const keys = ['list/ab', 'list/ab/x', 'list/abc', 'list/ab-1', 'list/b', 'list/a.b'];
    for (const [n, key] of keys.entries()) {
      await store.put(key, Readable.from([Buffer.alloc(n + 1)]), n + 1);
    }
    expect(await listed('list/ab')).toEqual(['list/ab', 'list/ab-1', 'list/ab/x', 'list/abc']);
    expect(await listed('list/ab/')).toEqual(['list/ab/x']);
    expect(await listed('list/')).toEqual([...keys].sort());
    expect(await listed('list/zzz')).toEqual([]);
    const objects = [];
    for await (const page of store.list('list/b')) objects.push(...page);
    expect(objects.map((o) => [o.key, o.bytes])).toEqual([['list/b', 5]]);
    expect(Math.abs(objects[0]!.lastModified.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('reports a missing key as a permanent failure, never as storage being down', async () => {
    expect(await store.size('missing/key.csv')).toBeNull();
    const error: unknown = await store.read('missing/key.csv').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(isAppError(error)).toBe(false);
    expect((error as Error).name).toBe('NoSuchKey');
    expect(classifyFailure(error)).toBe('permanent');
  });
});

describe('S3ObjectStore failures', () => {
  it('reports an unreachable server as STORAGE_UNAVAILABLE, a retryable failure', async () => {
    // Port 9 on loopback: nothing listens there, so every connection is refused.
    const down = new S3ObjectStore({ ...options, endpoint: 'http://127.0.0.1:9' });
    try {
      for (const attempt of [() => down.ping(), () => down.read('any.csv'), () => down.size('x')]) {
        const error: unknown = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isAppError(error) && error.code).toBe('STORAGE_UNAVAILABLE');
        expect(classifyFailure(error)).toBe('retryable');
      }
    } finally {
      down.close();
    }
  });
});

describe('FsObjectStore on disk', () => {
  let root = '';
  let store: FsObjectStore;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'objects-'));
    store = new FsObjectStore({ root });
  });

  afterAll(() => rm(root, { recursive: true, force: true }));

  /** Every file and directory under the root, as paths relative to it. */
  const tree = async (): Promise<string[]> =>
    (await readdir(root, { recursive: true })).map(String).sort();

  it('shows no object until its write completes, and lists and aborts a write in progress', async () => {
    const body = new PassThrough();
    const ids: string[] = [];
    const upload = store.startUpload('progress/file.csv', body, {
      onMultipartStarted: (id) => ids.push(id),
    });
    body.write(bytesOf(100_000, 6));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.size('progress/file.csv')).toBeNull();
    expect(await allKeys(store, 'progress/')).toEqual([]);
    const pending = await store.listMultipartUploads('progress/');
    expect(pending.map((p) => [p.key, p.uploadId])).toEqual([['progress/file.csv', ids[0]]]);

    // The sweeper settles a writer that died: the write's file goes, the writer fails.
    expect(await store.abortMultipartUpload('progress/file.csv', ids[0]!)).toBe(true);
    body.end(bytesOf(10, 7));
    await expect(upload.done()).rejects.toBeDefined();
    expect(await store.listMultipartUploads('progress/')).toEqual([]);
    expect(await store.size('progress/file.csv')).toBeNull();
    // Aborting one unknown (or already settled) is no error.
    expect(await store.abortMultipartUpload('progress/file.csv', ids[0]!)).toBe(true);
    expect(await store.abortMultipartUpload('progress/file.csv', '../../x')).toBe(true);
  });

  it('refuses a body shorter than declared and keeps nothing of it', async () => {
    await expect(
      store.put('short/file.csv', Readable.from([Buffer.from('abc')]), 4),
    ).rejects.toThrow(/3 bytes, 4 were declared/);
    expect(await store.size('short/file.csv')).toBeNull();
    expect((await tree()).filter((p) => p.startsWith('short'))).toEqual([]);
  });

  it('keeps keys with dots, empty segments and odd characters inside its directory', async () => {
    const keys = [
      'odd/../escape',
      'odd/./x',
      'odd//y',
      'odd/.hidden',
      'odd/a=o',
      'odd/sp ace%',
      'odd/',
    ];
    for (const key of keys) await store.put(key, Readable.from([Buffer.from(key)]), key.length);
    for (const key of keys) expect((await buffer(await store.read(key))).toString()).toBe(key);
    expect(await allKeys(store, 'odd/')).toEqual([...keys].sort());
    expect((await tree()).every((p) => p.startsWith('odd'))).toBe(true);
    for (const key of keys) await store.remove(key);
    // Directories emptied by removals go too.
    expect(await tree()).toEqual([]);
  });

  it('lets stores of several processes share the directory while they write and remove', async () => {
    const other = new FsObjectStore({ root });
    const rounds = Array.from({ length: 40 }, (_, n) => n);
    // One store fills and empties a directory while the other writes into it: a directory
    // removed between another writer's mkdir and its file's creation must not fail that write.
    await Promise.all([
      ...rounds.map(async (n) => {
        await store.put(`shared/d/${n}`, Readable.from([Buffer.from('x')]), 1);
        await store.remove(`shared/d/${n}`);
      }),
      ...rounds.map(async (n) => {
        const data = bytesOf(1000 + n, n);
        await other.startUpload(`shared/d/o${n}`, inPieces(data, 100)).done();
        expect(await buffer(await store.read(`shared/d/o${n}`))).toEqual(data);
      }),
    ]);
    expect(await allKeys(store, 'shared/')).toEqual(rounds.map((n) => `shared/d/o${n}`).sort());
  });

  it('lets the page cache drop a range read for the last time, and keeps it for other reads', async () => {
    // Bytes of each object file held in the page cache, as util-linux's fincore(1) reads them.
    const cached = async (prefix: string): Promise<number[]> => {
      const files = (await tree()).filter((p) => p.startsWith(prefix) && p.endsWith('=o'));
      const { stdout } = await promisify(execFile)('fincore', [
        '--bytes',
        '--noheadings',
        '--output',
        'RES',
        ...files.map((f) => join(root, f)),
      ]);
      return stdout.trim().split('\n').map(Number);
    };
    expect(canDropFromPageCache()).toBe(true);
    // Pages the kernel still holds in its per-CPU LRU batches are skipped: a few may stay.
    const SLACK = 64 * 4096;

    const data = randomBytes(16 * MIB);
    await store.put('cache/one.csv', Readable.from([data]), data.length);
    expect(sha256(await buffer(await store.read('cache/one.csv')))).toBe(sha256(data));
    expect(await cached('cache/one')).toEqual([data.length]);

    // A last read of a range: its pages go, but for the (possibly large) folios at its ends.
    const [start, end] = [1000, data.length - 1000];
    const last = await buffer(
      await store.read('cache/one.csv', { start, end }, { lastRead: true }),
    );
    expect(sha256(last)).toBe(sha256(data.subarray(start, end)));
    expect((await cached('cache/one'))[0]).toBeLessThanOrEqual(4 * MIB + SLACK);

    // The bytes are still on disk, and a plain read caches them again.
    expect(sha256(await buffer(await store.read('cache/one.csv')))).toBe(sha256(data));
    expect(await cached('cache/one')).toEqual([data.length]);
    await buffer(await store.read('cache/one.csv', undefined, { lastRead: true }));
    expect((await cached('cache/one'))[0]).toBeLessThanOrEqual(SLACK);

    // Through a segmented file: each segment the range covers drops its part.
    const segmentBytes = 4 * MIB;
    const file = { key: 'cache/segmented.csv', segmentBytes };
    const pieces = inPieces(data, 64 * 1024);
    await startSegmentedUpload(store, file.key, pieces, data.length, segmentBytes).done();
    const range = { start: segmentBytes, end: 3 * segmentBytes };
    const read = await buffer(await readStoredFile(store, file, range, { lastRead: true }));
    expect(sha256(read)).toBe(sha256(data.subarray(range.start, range.end)));
    const [before, first, second, after] = await cached('cache/segmented');
    expect([before, after]).toEqual([segmentBytes, segmentBytes]);
    expect(first! + second!).toBeLessThanOrEqual(SLACK);
  });

  it('reports a directory it cannot use as STORAGE_UNAVAILABLE, a retryable failure', async () => {
    const missing = new FsObjectStore({ root: join(root, 'never-created') });
    const error: unknown = await missing.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe('STORAGE_UNAVAILABLE');
    expect(classifyFailure(error)).toBe('retryable');
    expect(() => new FsObjectStore({ root: 'relative/dir' })).toThrow(/absolute/);
  });
});
