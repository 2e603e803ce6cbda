import type { TrackedWrite } from '@ingest/housekeeping';
import { removeStoredFile, startSegmentedUpload, type ObjectStore } from '@ingest/object-store';
import { FORMAT_SNIFF_BYTES, sniffFormat } from '@ingest/csv';
import { errors } from '@ingest/errors';
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** The slowest body a client may send, measured over a window (a trickle ties up a slot). */
export interface MinimumPace {
  minBytesPerSecond: number;
  windowMs: number;
}

/**
 * Counts bytes and hashes them while they pass; fails once the limit is
 * exceeded, or when the client sends slower than the minimum pace while we
 * are ready to take more (time spent waiting on storage does not count).
 * The first 4 KiB (FORMAT_SNIFF_BYTES) are held back until they show the upload is
 * no image, workbook, archive, binary or JSON (415 UNSUPPORTED_FORMAT before a
 * byte is stored); gzip passes, and the splitter sniffs what it holds.
 */
class ByteMeter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private timer: NodeJS.Timeout | undefined;
  private windowStartBytes = 0;
  /** The head while it is shorter than the sniff needs; null once it passed. */
  private head: Buffer[] | null = [];

  constructor(
    private readonly limit: number,
    pace: MinimumPace | undefined,
    private readonly textChecks: boolean,
  ) {
    super();
    if (pace) {
      this.timer = setInterval(() => this.checkPace(pace), pace.windowMs);
      this.timer.unref();
    }
  }

  private checkPace(pace: MinimumPace): void {
    const received = this.bytes - this.windowStartBytes;
    this.windowStartBytes = this.bytes;
    const backpressured = this.readableLength >= this.readableHighWaterMark;
    if (!backpressured && received < (pace.minBytesPerSecond * pace.windowMs) / 1000) {
      this.destroy(errors.uploadTooSlow(pace.minBytesPerSecond, pace.windowMs / 1000));
    }
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    clearInterval(this.timer);
    cb(err);
  }

  override _final(cb: (error?: Error | null) => void): void {
    clearInterval(this.timer);
    cb();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      cb(errors.uploadTooLarge(this.limit));
      return;
    }
    this.hash.update(chunk);
    if (this.head === null) {
      cb(null, chunk);
      return;
    }
    this.head.push(chunk);
    if (this.bytes < FORMAT_SNIFF_BYTES) {
      cb();
      return;
    }
    this.releaseHead(false, cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.head === null) cb();
    else this.releaseHead(true, cb);
  }

  private releaseHead(complete: boolean, cb: TransformCallback): void {
    const head = Buffer.concat(this.head ?? []);
    this.head = null;
    const found = sniffFormat(head, complete, { textChecks: this.textChecks });
    if (found) cb(errors.unsupportedFormat(found));
    else cb(null, head);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Records a write in progress, so a sweep can clean up after a gateway that died (see @ingest/housekeeping). */
export interface WriteTracker {
  open(objectKey: string): Promise<TrackedWrite>;
}

export interface StoredUpload {
  objectKey: string;
  /** Set when the upload was stored as segments `<objectKey>/<n>` of this size. */
  segmentBytes: number | null;
  bytes: number;
  sha256: string;
  /** The record of the write: confirmed before the job is created, closed once it is. */
  tracking?: TrackedWrite;
}

/** Removes a stored upload's object or segments (after a failure, or when a job took its place). */
export const removeUpload = (store: ObjectStore, upload: StoredUpload): Promise<void> =>
  removeStoredFile(
    store,
    { key: upload.objectKey, segmentBytes: upload.segmentBytes },
    upload.bytes,
  );

export interface UploadOptions {
  metadata?: Record<string, string>;
  /** An upper bound of the body's size (Content-Length), for smaller multipart parts. */
  expectedBytes?: number;
  /**
   * Stores the upload as segments `<objectKey>/<n>` of this size (0: one object). Each
   * segment known to be whole is one plain PUT (no multipart upload to put together):
   * all of them when the request declares the body's `exactBytes`, those before
   * `atLeastBytes` otherwise.
   */
  segmentBytes?: number;
  exactBytes?: number;
  /** The least the body can be, when its exact size is not declared (a multipart file part). */
  atLeastBytes?: number;
  pace?: MinimumPace;
  tracker?: WriteTracker;
  /** False when the job declares UTF-16 (no BOM needed): its NUL bytes are no sign of binary data. */
  textChecks?: boolean;
  /** Segmented uploads: told each time more of the start is stored for good. */
  onDurable?: (bytes: number) => Promise<void>;
  /** Told why the upload failed, before what it stored is removed (its job ends first). */
  beforeRemove?: (reason: Error) => Promise<void>;
}

/**
 * Streams `source` into object storage under `objectKey`, metering it on the
 * way. Any failure (client gone, limit exceeded, storage down) aborts the
 * upload in storage too, so nothing half-written is left behind.
 */
export async function storeMeteredUpload(
  store: ObjectStore,
  objectKey: string,
  source: Readable,
  limitBytes: number,
  options: UploadOptions,
): Promise<StoredUpload> {
  const meter = new ByteMeter(limitBytes, options.pace, options.textChecks ?? true);
  let sourceError: Error | undefined;
  const fail = (e: Error) => {
    sourceError ??= e;
    meter.destroy(e);
  };
  source.once('error', fail);
  // A client that disconnects mid-body closes the stream before its end, without an error.
  source.once('close', () => {
    if (!source.readableEnded) fail(errors.uploadAborted());
  });
  meter.once('error', (e) => {
    sourceError ??= e;
    source.unpipe(meter);
    source.resume(); // drain the rest so the response can still be written
  });
  // Recorded before the first byte is stored, so nothing is ever written unaccounted for.
  let tracking: TrackedWrite | undefined;
  try {
    tracking = await options.tracker?.open(objectKey);
  } catch (e) {
    fail(errors.databaseUnavailable(e));
  }
  if (sourceError) {
    await tracking?.close();
    source.resume();
    throw sourceError;
  }
  const { exactBytes, segmentBytes = 0 } = options;
  const segmented = segmentBytes > 0 && exactBytes !== 0;
  const length = exactBytes ?? {
    atLeast: options.atLeastBytes ?? 0,
    atMost: Math.min(limitBytes, options.expectedBytes ?? limitBytes),
  };
  const upload = segmented
    ? startSegmentedUpload(store, objectKey, meter, length, segmentBytes, options.onDurable)
    : store.startUpload(objectKey, meter, {
        metadata: options.metadata,
        expectedBytes: options.expectedBytes,
        onMultipartStarted: (uploadId) => tracking?.recordUploadId(uploadId),
      });
  source.pipe(meter);
  const giveUp = async (e: Error): Promise<never> => {
    await options.beforeRemove?.(e);
    await upload.abort();
    await tracking?.close();
    throw e;
  };
  try {
    await upload.done();
  } catch (e) {
    return giveUp(sourceError ?? (e as Error));
  }
  if (sourceError) return giveUp(sourceError);
  return {
    objectKey,
    segmentBytes: segmented ? segmentBytes : null,
    bytes: meter.bytes,
    sha256: meter.digest(),
    tracking,
  };
}
