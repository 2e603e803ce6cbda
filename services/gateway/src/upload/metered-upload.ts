import type { ObjectStore } from '@ingest/domain';
import { errors } from '@ingest/errors';
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** Counts bytes and hashes them while they pass; fails once the limit is exceeded. */
class ByteMeter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      cb(errors.uploadTooLarge(this.limit));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

export interface StoredUpload {
  objectKey: string;
  bytes: number;
  sha256: string;
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
  metadata: Record<string, string>,
): Promise<StoredUpload> {
  const meter = new ByteMeter(limitBytes);
  const upload = store.startUpload(objectKey, meter, metadata);
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
  source.pipe(meter);
  try {
    await upload.done();
  } catch (e) {
    await upload.abort();
    throw sourceError ?? e;
  }
  if (sourceError) {
    await upload.abort();
    throw sourceError;
  }
  return { objectKey, bytes: meter.bytes, sha256: meter.digest() };
}
