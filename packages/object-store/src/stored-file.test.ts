import fc from 'fast-check';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { ListedObject, ObjectStore, ObjectUpload } from './object-store';
import {
  readStoredFile,
  removeStoredFile,
  removeUploadObjects,
  segmentKey,
  startSegmentedUpload,
  uploadKeyOf,
} from './stored-file';

/** Objects in memory: enough to test how ranges map onto segments (the S3 adapter has its own tests). */
class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  readonly reads: string[] = [];
  async put(key: string, body: Readable, length: number): Promise<void> {
    const bytes = await buffer(body);
    if (bytes.length !== length) throw new Error(`put ${key}: ${bytes.length} of ${length} bytes`);
    this.objects.set(key, bytes);
  }
  read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const bytes = this.objects.get(key);
    if (!bytes) return Promise.reject(new Error(`no object ${key}`));
    this.reads.push(key);
    return Promise.resolve(Readable.from([range ? bytes.subarray(range.start, range.end) : bytes]));
  }
  size(key: string) {
    return Promise.resolve(this.objects.get(key)?.length ?? null);
  }
  remove(key: string) {
    this.objects.delete(key);
    return Promise.resolve();
  }
  async ping() {}
  /** Keys written by startUpload (of unknown length), not put. */
  readonly streamed: string[] = [];
  startUpload(key: string, body: Readable): ObjectUpload {
    this.streamed.push(key);
    const done = buffer(body).then((bytes) => {
      this.objects.set(key, bytes);
      return { key };
    });
    return { done: () => done, abort: () => this.remove(key) };
  }
  async *list(prefix: string): AsyncIterable<ListedObject[]> {
    await Promise.resolve(); // a real store answers each page later
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    // Pages of two, so callers are seen to follow every page.
    for (let i = 0; i < keys.length; i += 2) {
      yield keys.slice(i, i + 2).map((key) => ({
        key,
        lastModified: new Date(0),
        bytes: this.objects.get(key)?.length ?? 0,
      }));
    }
  }
  listMultipartUploads() {
    return Promise.resolve(null);
  }
  abortMultipartUpload() {
    return Promise.resolve(false);
  }
}

const pieces = (bytes: Buffer, sizes: number[]): Buffer[] => {
  const out: Buffer[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length] ?? 1);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
};

describe('segmented stored files', () => {
  it('store any body as segments and read back any range of it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 600 }),
        fc.integer({ min: 1, max: 97 }),
        fc.array(fc.integer({ min: 1, max: 130 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }),
        async (data, segmentBytes, layout, ranges) => {
          const bytes = Buffer.from(data);
          const store = new MemoryStore();
          const upload = startSegmentedUpload(
            store,
            'f',
            Readable.from(pieces(bytes, layout)),
            bytes.length,
            segmentBytes,
          );
          await upload.done();
          expect(store.objects.size).toBe(Math.ceil(bytes.length / segmentBytes));
          expect(store.objects.get(segmentKey('f', 0))?.length).toBe(
            Math.min(segmentBytes, bytes.length),
          );
          const file = { key: 'f', segmentBytes };
          for (const [a, b] of ranges) {
            const start = a % bytes.length;
            const end = start + 1 + (b % (bytes.length - start));
            const got = await buffer(await readStoredFile(store, file, { start, end }));
            expect(got.equals(bytes.subarray(start, end))).toBe(true);
          }
          await removeStoredFile(store, file, bytes.length);
          expect(store.objects.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stores a body of unannounced length: whole segments put, the rest streamed, only whole ones reported', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        async (data, segmentBytes, layout, below, above) => {
          const bytes = Buffer.from(data);
          const atLeast = bytes.length - (below % (bytes.length + 1));
          const atMost = bytes.length + (above % 100);
          const store = new MemoryStore();
          const reported: number[] = [];
          const upload = startSegmentedUpload(
            store,
            'f',
            Readable.from(pieces(bytes, layout)),
            { atLeast, atMost },
            segmentBytes,
            (n) => {
              reported.push(n);
              return Promise.resolve();
            },
          );
          await upload.done();
          const count = Math.ceil(bytes.length / segmentBytes);
          expect(store.objects.size).toBe(count);
          const got = await buffer(
            await readStoredFile(
              store,
              { key: 'f', segmentBytes },
              { start: 0, end: bytes.length },
            ),
          );
          expect(got.equals(bytes)).toBe(true);
          // A segment that may end short cannot be one PUT of known length.
          for (const key of store.streamed) {
            const n = Number(key.slice(2));
            expect(
              (n + 1) * segmentBytes > atLeast || n * segmentBytes + segmentBytes > atMost,
            ).toBe(true);
          }
          // Prefixes of whole segments only, growing.
          const whole = Math.floor(bytes.length / segmentBytes);
          expect(reported).toEqual(reported.slice().sort((a, b) => a - b));
          for (const n of reported) {
            expect(n % segmentBytes).toBe(0);
            expect(n).toBeLessThanOrEqual(whole * segmentBytes);
          }
          expect(reported.at(-1) ?? 0).toBe(whole * segmentBytes);
          await upload.abort();
          expect(store.objects.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fails at once when a segment PUT fails while the body waits for it to take more', async () => {
    const store = new MemoryStore();
    // The storage goes away mid-PUT: nothing more is read of the segment, the PUT fails.
    store.put = (_key, body) => {
      body.pause();
      return new Promise((_resolve, reject) =>
        setTimeout(() => reject(new Error('socket hang up')), 20),
      );
    };
    const body = Readable.from([Buffer.alloc(3 * 1024 * 1024), Buffer.alloc(3 * 1024 * 1024)]);
    const upload = startSegmentedUpload(store, 'f', body, 6 * 1024 * 1024, 4 * 1024 * 1024);
    await expect(upload.done()).rejects.toThrow('socket hang up');
  });

  it('fails a body of unannounced length shorter than its least', async () => {
    const store = new MemoryStore();
    const upload = startSegmentedUpload(
      store,
      'f',
      Readable.from([Buffer.alloc(50)]),
      { atLeast: 55, atMost: 100 },
      20,
    );
    await expect(upload.done()).rejects.toThrow(/at least 55 bytes announced, fewer arrived/);
    await upload.abort();
    expect(store.objects.size).toBe(0);
  });

  it('reads a range inside one segment with one GET', async () => {
    const store = new MemoryStore();
    await startSegmentedUpload(store, 'f', Readable.from([Buffer.alloc(100, 7)]), 100, 40).done();
    await buffer(
      await readStoredFile(store, { key: 'f', segmentBytes: 40 }, { start: 41, end: 79 }),
    );
    expect(store.reads).toEqual([segmentKey('f', 1)]);
  });

  it('fails when the body is shorter or longer than announced, and abort removes what was written', async () => {
    const short = new MemoryStore();
    const upload = startSegmentedUpload(short, 'f', Readable.from([Buffer.alloc(50)]), 60, 20);
    await expect(upload.done()).rejects.toThrow(/fewer arrived/);
    await upload.abort();
    expect(short.objects.size).toBe(0);
    const long = new MemoryStore();
    const over = startSegmentedUpload(long, 'f', Readable.from([Buffer.alloc(70)]), 60, 20);
    await expect(over.done()).rejects.toThrow(/more than the 60 bytes/);
  });

  it('names the upload an object belongs to', () => {
    for (const key of [
      'uploads/a',
      'uploads/a/000000',
      'uploads/a/000123',
      'uploads/a/1000000',
      'uploads/a/partial',
      'uploads/a.csv',
      'uploads/a.utf8.csv',
      'uploads/a.csv/000003',
      'uploads/a.utf8.csv/000000',
    ]) {
      expect(uploadKeyOf(key)).toBe('uploads/a');
    }
    expect(uploadKeyOf('uploads/a/12')).toBe('uploads/a/12');
  });

  it('removes an upload whatever its layout: object, every listed segment, derived objects', async () => {
    const store = new MemoryStore();
    for (const key of [
      'uploads/a',
      'uploads/a/000000',
      'uploads/a/000001',
      'uploads/a/000002',
      'uploads/a.csv',
      'uploads/a.utf8.csv',
      'uploads/a.csv/000000',
      'uploads/a.utf8.csv/000001',
      'uploads/ab',
      'uploads/ab/000000',
    ]) {
      store.objects.set(key, Buffer.from('x'));
    }
    await removeUploadObjects(store, 'uploads/a');
    expect([...store.objects.keys()].sort()).toEqual(['uploads/ab', 'uploads/ab/000000']);
  });
});
