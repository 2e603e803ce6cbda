import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
}

/** An upload in progress; exactly one of `done` or `abort` settles it. */
export interface ObjectUpload {
  /** Resolves once the object is durably stored. */
  done(): Promise<StoredObject>;
  /** Stops the upload and removes whatever was stored of it. */
  abort(): Promise<void>;
}

export interface UploadOptions {
  metadata?: Record<string, string>;
  /**
   * An upper bound of the body's size when known (a request's Content-Length): parts are
   * then as small as it allows, which bounds the memory an upload holds.
   */
  expectedBytes?: number;
}

/** Object storage as this system needs it: streamed writes, ranged streamed reads. */
export interface ObjectStore {
  /** Starts streaming `body` into `key`; nothing is buffered beyond a few parts. */
  startUpload(key: string, body: Readable, options?: UploadOptions): ObjectUpload;
  /**
   * Stores `body`, of exactly `length` bytes, as one object in one request: no
   * parts to buffer or to put together afterwards. At most 5 GiB (S3's limit).
   */
  put(key: string, body: Readable, length: number): Promise<void>;
  /** Streams `[start, end)` of the object, or the whole object without a range. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Size of the object, or null when it does not exist. */
  size(key: string): Promise<number | null>;
  remove(key: string): Promise<void>;
  /** Throws when storage is unreachable. */
  ping(): Promise<void>;
}
