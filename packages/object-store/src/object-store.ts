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
  /**
   * Called with the upload id as soon as the store starts a multipart upload for the body
   * (not at all when it fits one request), so that a writer that dies can be cleaned up.
   */
  onMultipartStarted?: (uploadId: string) => void;
}

/** One object as a listing shows it. */
export interface ListedObject {
  key: string;
  lastModified: Date;
  bytes: number;
}

/** A multipart upload that was started and neither completed nor aborted. */
export interface PendingMultipartUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

export interface PutOptions {
  /**
   * Aborting it ends the write at once, and nothing is stored. Destroying the body alone
   * does not: an S3 client pipes the body into its request, which then waits for the rest.
   */
  signal?: AbortSignal;
}

export interface ReadOptions {
  /**
   * The caller is the last to read this range: a store on local disk lets the page cache drop
   * it once read. A file streamed through once would otherwise fill the cache, evicting the
   * database's pages and taking fresh memory for every gigabyte the next upload writes.
   */
  lastRead?: boolean;
}

/** Object storage as this system needs it: streamed writes, ranged streamed reads. */
export interface ObjectStore {
  /** Starts streaming `body` into `key`; nothing is buffered beyond a few parts. */
  startUpload(key: string, body: Readable, options?: UploadOptions): ObjectUpload;
  /**
   * Stores `body`, of exactly `length` bytes, as one object in one request: no
   * parts to buffer or to put together afterwards. At most 5 GiB (S3's limit).
   */
  put(key: string, body: Readable, length: number, options?: PutOptions): Promise<void>;
  /** Streams `[start, end)` of the object, or the whole object without a range. */
  read(
    key: string,
    range?: { start: number; end: number },
    options?: ReadOptions,
  ): Promise<Readable>;
  /** Size of the object, or null when it does not exist. */
  size(key: string): Promise<number | null>;
  remove(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, a page (at most 1000) at a time, in key order. */
  list(prefix: string): AsyncIterable<ListedObject[]>;
  /**
   * Unfinished multipart uploads under `prefix`; null when the store cannot list them
   * (s3rver), so the caller falls back to the upload ids it recorded.
   */
  listMultipartUploads(prefix: string): Promise<PendingMultipartUpload[] | null>;
  /**
   * Aborts a multipart upload, freeing its parts; one already completed, aborted or
   * unknown is no error. False when the store cannot abort uploads (s3rver).
   */
  abortMultipartUpload(key: string, uploadId: string): Promise<boolean>;
  /** Throws when storage is unreachable. */
  ping(): Promise<void>;
}

/** An adapter as the process that built it holds it: prepared at start, closed at stop. */
export interface OwnedObjectStore extends ObjectStore {
  /** Creates what the store needs (a bucket, a directory) when missing; safe from every replica. */
  prepare(): Promise<void>;
  close(): void;
}
