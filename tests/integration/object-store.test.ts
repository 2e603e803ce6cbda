import { classifyFailure, isAppError } from '@ingest/errors';
import {
  S3ObjectStore,
  readStoredFile,
  removeStoredFile,
  segmentKey,
  startSegmentedUpload,
  type S3ObjectStoreOptions,
} from '@ingest/object-store';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { listObjectKeys, removeBucket } from '../support/s3-objects';

/**
 * The S3 adapter and the stored-file layout against the real local S3 server
 * (s3rver), in a bucket of this file's own that is removed afterwards. Ranges
 * avoid `bytes=0-0` and suffix ranges as requests: s3rver answers both wrongly
 * (the adapter itself never sends them).
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

describe('S3ObjectStore on s3rver', () => {
  let store: S3ObjectStore;

  beforeAll(async () => {
    store = new S3ObjectStore(options);
    await store.ensureBucket();
    await store.ensureBucket(); // every replica calls it at start: a second call is harmless
  });

  afterAll(async () => {
    store.close();
    await removeBucket(env);
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

    const keys = (await listObjectKeys(env)).filter((k) => k.startsWith(`${file.key}/`)).sort();
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
    expect((await listObjectKeys(env)).filter((k) => k.startsWith(`${file.key}/`))).toEqual([]);
  });

  it('removes an object; removing a missing one is no error', async () => {
    await store.put('plain/gone.csv', Readable.from([Buffer.from('x')]), 1);
    await store.remove('plain/gone.csv');
    expect(await store.size('plain/gone.csv')).toBeNull();
    await expect(store.remove('plain/gone.csv')).resolves.toBeUndefined();
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
