import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { drained, FedPut } from './fed-put';
import type { ObjectStore, ObjectUpload, ReadOptions } from './object-store';

/**
 * Where a file's bytes are stored: one object at `key`, or — when
 * `segmentBytes` is set — consecutive objects `<key>/<n>` of `segmentBytes`
 * each (the last one shorter), so an upload of known length is written as
 * plain single-request objects instead of a multipart upload that has to be
 * put together again afterwards.
 */
export interface StoredFile {
  key: string;
  segmentBytes: number | null;
}

/** The object holding segment `n` of a segmented file. */
export const segmentKey = (key: string, n: number): string =>
  `${key}/${String(n).padStart(6, '0')}`;

/** Where uploads are stored; the orphan sweep lists this prefix only. */
export const UPLOAD_PREFIX = 'uploads/';

/** The key a new upload is stored under (random: no two writers ever share one). */
export const newUploadKey = (): string => `${UPLOAD_PREFIX}${randomUUID()}`;

/** The plain object the splitter derives from a gzip upload at `key`. */
export const decompressedKey = (key: string): string => `${key}.csv`;

/** The UTF-8 object the splitter derives from a (decompressed) upload at `key` in another encoding. */
export const transcodedKey = (key: string): string => `${key}.utf8.csv`;

/**
 * The incomplete last segment of a resumable upload, kept until more bytes fill
 * it (or the upload ends): rewritten by each request that adds to it.
 */
export const partialSegmentKey = (key: string): string => `${key}/partial`;

const SEGMENT_OR_DERIVED = /(?:\.utf8\.csv|\.csv)?(?:\/\d{6,}|\/partial)?$/;

/**
 * The upload key an object belongs to: the object itself, one of its segments
 * (`<key>/000000`, `<key>/partial`) or an object derived from it (`<key>.csv`,
 * `<key>.utf8.csv`, or their segments `<key>.csv/000000`).
 */
export const uploadKeyOf = (objectKey: string): string => objectKey.replace(SEGMENT_OR_DERIVED, '');

/** Segments a file of `bytes` bytes has. */
export const segmentCount = (bytes: number, segmentBytes: number): number =>
  Math.max(1, Math.ceil(bytes / segmentBytes));

/**
 * Streams `[start, end)` of a stored file. A range over several segments
 * reads them one after another, so only one GET is open at a time.
 */
export async function readStoredFile(
  store: ObjectStore,
  file: StoredFile,
  range: { start: number; end: number },
  options?: ReadOptions,
): Promise<Readable> {
  const size = file.segmentBytes;
  if (size === null) return store.read(file.key, range, options);
  if (range.end <= range.start) return Readable.from([]);
  const first = Math.floor(range.start / size);
  const last = Math.floor((range.end - 1) / size);
  const part = (n: number) => ({
    start: Math.max(range.start, n * size) - n * size,
    end: Math.min(range.end, (n + 1) * size) - n * size,
  });
  if (first === last) return store.read(segmentKey(file.key, first), part(first), options);
  const out = new PassThrough();
  (async () => {
    for (let n = first; n <= last; n++) {
      const body = await store.read(segmentKey(file.key, n), part(n), options);
      for await (const piece of body) {
        if (!out.write(piece)) await drained(out);
        if (out.destroyed) {
          body.destroy();
          return;
        }
      }
    }
    out.end();
  })().catch((e: unknown) => out.destroy(e as Error));
  return out;
}

/** Removes every object of a stored file (a missing one is no error). */
export async function removeStoredFile(
  store: ObjectStore,
  file: StoredFile,
  bytes: number,
): Promise<void> {
  if (file.segmentBytes === null) return store.remove(file.key);
  const n = segmentCount(bytes, file.segmentBytes);
  for (let i = 0; i < n; i++) await store.remove(segmentKey(file.key, i));
}

/**
 * Removes every object stored for the upload at `key`, whatever its layout or
 * how far it got: the object, the segments found under `<key>/` (listed, so a
 * partial upload of unknown length goes too) and the derived objects. Returns
 * how many objects it deleted or tried to (a missing one is no error).
 */
export async function removeUploadObjects(store: ObjectStore, key: string): Promise<number> {
  const keys = [key, decompressedKey(key), transcodedKey(key)];
  for (const prefix of keys.map((k) => `${k}/`)) {
    for await (const page of store.list(prefix)) keys.push(...page.map((o) => o.key));
  }
  for (const k of keys) await store.remove(k);
  return keys.length;
}

/**
 * Tells `onDurable` how many bytes from the start are stored for good, in
 * order, each time a PUT completes the prefix (PUTs may end out of order);
 * not for the last segment: the upload's end says that. A failing report fails
 * the upload at its next check.
 */
function durablePrefix(
  segmentBytes: number,
  count: number,
  onDurable: ((bytes: number) => Promise<void>) | undefined,
) {
  const done = new Set<number>();
  let prefix = 0;
  let chain: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  return {
    stored(n: number) {
      done.add(n);
      const before = prefix;
      while (done.has(prefix)) prefix++;
      if (!onDurable || prefix === before || prefix >= count) return;
      const bytes = prefix * segmentBytes;
      chain = chain.then(() => onDurable(bytes));
      chain.catch((e: unknown) => (failure ??= e instanceof Error ? e : new Error(String(e))));
    },
    check() {
      if (failure !== undefined) throw failure;
    },
    reported: () => chain,
  };
}

/**
 * How long a segmented upload's body is: exactly `length` bytes (a declared
 * Content-Length), or — unannounced (a multipart form's file part, a chunked
 * body) — at least `atLeast` and at most `atMost` bytes.
 */
export type SegmentedLength = number | { atLeast: number; atMost: number };

/**
 * Streams `body` into a segmented file at `key`: one single-request PUT per
 * segment known to be whole (all of them when the length is exact), the next
 * one starting while the previous one's answer is on its way; a segment that
 * may end short (past `atLeast`) streams as an upload of unknown length.
 * `onDurable` hears of each stored prefix (durablePrefix). abort() stops it and
 * removes what was written.
 */
export function startSegmentedUpload(
  store: ObjectStore,
  key: string,
  body: Readable,
  length: SegmentedLength,
  segmentBytes: number,
  onDurable?: (bytes: number) => Promise<void>,
): ObjectUpload {
  const exact = typeof length === 'number' ? length : undefined;
  const atLeast = typeof length === 'number' ? length : length.atLeast;
  const atMost = typeof length === 'number' ? length : length.atMost;
  const count = exact === undefined ? Infinity : segmentCount(exact, segmentBytes);
  /** The segment being written, and the one before it, whose store may still be flushing. */
  let current: FedPut | undefined;
  let previous: FedPut | undefined;
  /** Segments started so far (what abort removes). */
  let opened = 0;
  let aborted = false;
  const durable = durablePrefix(segmentBytes, count, onDurable);
  const run = async () => {
    /** The previous segment's store, awaited before the next one ends: at most two in flight. */
    let storing: Promise<void> = Promise.resolve();
    let index = 0;
    /** Bytes the open segment still takes (0: none open), of its `size`. */
    let left = 0;
    let size = 0;
    /** Why an ended segment's store failed: the writer stops at its next piece. */
    let failed: Error | undefined;
    let received = 0;
    const open = () => {
      const start = index * segmentBytes;
      size = Math.min(segmentBytes, atMost - start);
      // A segment that may end short streams as an upload of unknown length.
      const whole = start + size <= atLeast;
      current = new FedPut(store, segmentKey(key, index), whole ? size : { atMost: size });
      opened = index + 1;
      left = size;
    };
    const close = async (segment: FedPut) => {
      const n = index;
      const stored = segment.end();
      stored.catch((e: unknown) => (failed ??= e instanceof Error ? e : new Error(String(e))));
      // A segment short of segmentBytes ends the body: the upload's end reports it.
      if (left === 0 && size === segmentBytes) {
        stored.then(() => durable.stored(n)).catch(() => undefined);
      }
      await storing;
      storing = stored;
      previous = segment;
      current = undefined;
      index++;
      left = 0;
    };
    for await (const chunk of body) {
      let piece = chunk as Buffer;
      while (piece.length > 0) {
        if (left === 0) {
          if (index * segmentBytes >= atMost) {
            throw new Error(`more than the ${atMost} bytes announced`);
          }
          open();
        }
        const segment = current as FedPut;
        const take = Math.min(left, piece.length);
        if (failed) throw failed;
        await segment.write(piece.subarray(0, take));
        piece = piece.subarray(take);
        left -= take;
        received += take;
        durable.check();
        if (left === 0) await close(segment);
      }
    }
    if (received < atLeast) {
      const bound = exact === undefined ? 'at least ' : '';
      throw new Error(`${bound}${atLeast} bytes announced, fewer arrived (${received})`);
    }
    // The end of a body of unannounced length: its last segment is shorter.
    if (current) await close(current);
    await storing;
    await durable.reported();
  };
  const done = run().then(() => ({ key }));
  done.catch(() => undefined);
  return {
    done: () => done,
    abort: async () => {
      if (aborted) return;
      aborted = true;
      // Ends the stores in flight too: destroying a body does not end an S3 request.
      await Promise.all([current?.abort(), previous?.abort()]);
      await done.catch(() => undefined);
      for (let n = 0; n < opened; n++) {
        await store.remove(segmentKey(key, n)).catch(() => undefined);
      }
    },
  };
}
