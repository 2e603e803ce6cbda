import { segmentKey, type ObjectStore } from '@ingest/object-store';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OutputLimit, type WriteTracker } from './derived-object';

export interface DeriveWhileReadingOptions {
  store: ObjectStore;
  tracker?: WriteTracker;
  /** The upload's bytes from its start (a gzip stream cannot be entered midway). */
  source: AsyncIterable<Buffer>;
  /** Fresh transforms for this pass: gunzip, transcoding, or both. */
  transforms: Transform[];
  /** The derived file's key: its segments are `<target>/<n>`. */
  target: string;
  segmentBytes: number;
  /** Yield the derived bytes from this offset on (a resumed scan). */
  from: number;
  limitBytes: number;
  /** Told the derived file's length once the source ended. */
  onEnd: (bytes: number) => void;
}

/**
 * The decompressed (or transcoded) text of an upload, written as segments of
 * `segmentBytes` while it is read, each stored before its bytes are yielded:
 * a chunk planned from them can be loaded as soon as it is recorded, and an
 * upload still arriving is planned as it arrives. A resumed scan derives from
 * the start again (the same bytes into the same segments) and yields from
 * `from` on. Memory: one segment.
 */
export async function* deriveWhileReading(
  options: DeriveWhileReadingOptions,
): AsyncGenerator<Buffer> {
  const { store, target, segmentBytes, from } = options;
  const tracking = await options.tracker?.open(target);
  const input = Readable.from(options.source);
  const limit = new OutputLimit(options.limitBytes);
  const pump = pipeline([input, ...options.transforms, limit]);
  // Its rejection is the original error (a paused upload, a bad gzip): rethrown below.
  pump.catch(() => undefined);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  let written = 0;
  /** Stores the next segment (the first `size` pending bytes), then hands them out. */
  async function* storeSegment(size: number): AsyncGenerator<Buffer> {
    const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    const segment = all.subarray(0, size);
    const rest = all.subarray(size);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    await store.put(segmentKey(target, index), Readable.from([segment]), segment.length);
    index++;
    const start = written;
    written += segment.length;
    if (written > from) yield segment.subarray(Math.max(0, from - start));
  }
  try {
    try {
      for await (const piece of limit as AsyncIterable<Buffer>) {
        pending.push(piece);
        pendingBytes += piece.length;
        while (pendingBytes >= segmentBytes) yield* storeSegment(segmentBytes);
      }
    } catch (e) {
      throw await pump.then(
        () => e,
        (original: unknown) => original,
      );
    }
    await pump;
    if (pendingBytes > 0) yield* storeSegment(pendingBytes);
    options.onEnd(written);
  } finally {
    input.destroy();
    limit.destroy();
    // The segments belong to the job now (or go with its objects): nothing left to sweep.
    await tracking?.close();
  }
}
