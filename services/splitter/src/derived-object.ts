import { readStoredFile, type ObjectStore, type StoredFile } from '@ingest/object-store';
import { errors } from '@ingest/errors';
import type { TrackedWrite } from '@ingest/housekeeping';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Counts what passes and stops the stream past a limit (a gzip bomb ends here). */
export class OutputLimit extends Transform {
  bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) cb(errors.decompressedTooLarge(this.limit));
    else cb(null, chunk);
  }
}

export interface WriteTracker {
  open(objectKey: string): Promise<TrackedWrite>;
}

/**
 * Streams a stored file through `transforms` into a new object `targetKey`
 * (decompressed or transcoded), with bounded memory and a limit on its size.
 * Returns the new object's size. A failure removes the partial object. The
 * write is recorded while it runs, so the sweeper aborts the multipart upload
 * of a splitter that died mid-way.
 */
export async function deriveObject(
  deps: { store: ObjectStore; tracker?: WriteTracker },
  from: { file: StoredFile; bytes: number },
  targetKey: string,
  transforms: Transform[],
  limitBytes: number,
): Promise<number> {
  const { store } = deps;
  const tracking = await deps.tracker?.open(targetKey);
  try {
    const source = await readStoredFile(store, from.file, { start: 0, end: from.bytes });
    const limit = new OutputLimit(limitBytes);
    const upload = store.startUpload(targetKey, limit, {
      onMultipartStarted: (uploadId) => tracking?.recordUploadId(uploadId),
    });
    try {
      // The upload consumes `limit`; the pipeline feeds it.
      await Promise.all([pipeline([source, ...transforms, limit]), upload.done()]);
    } catch (e) {
      source.destroy();
      limit.destroy();
      await upload.abort();
      throw e;
    }
    return limit.bytes;
  } finally {
    // The object belongs to its job (or was removed): nothing left to sweep.
    await tracking?.close();
  }
}
