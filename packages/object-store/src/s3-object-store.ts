import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { errors } from '@ingest/errors';
import type {
  ListedObject,
  ObjectUpload,
  OwnedObjectStore,
  PendingMultipartUpload,
  PutOptions,
  StoredObject,
  UploadOptions,
} from './object-store';
import { Readable, Transform } from 'node:stream';

/** Passes on the first `n` bytes of a stream and drops the rest. */
function firstBytes(n: number): Transform {
  let left = n;
  return new Transform({
    transform(piece: Buffer, _enc, cb) {
      const keep = piece.subarray(0, Math.max(0, left));
      left -= keep.length;
      cb(null, keep.length > 0 ? keep : undefined);
    },
  });
}

export interface S3ObjectStoreOptions {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Largest object this store must accept; sets the multipart part size (≤ 10,000 parts). */
  maxObjectBytes: number;
  /** Parts uploaded concurrently; memory held ≈ queueSize × partSize. Default 2. */
  queueSize?: number;
}

const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

/** Part size that keeps any object up to `maxObjectBytes` within S3's 10,000-part limit. */
export const partSizeFor = (maxObjectBytes: number): number =>
  Math.max(MIN_PART_BYTES, Math.ceil(maxObjectBytes / MAX_PARTS / (1024 * 1024)) * 1024 * 1024);

const isNotFound = (e: unknown): boolean =>
  e instanceof S3ServiceException &&
  (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata.httpStatusCode === 404);

/** Errors the SDK raises for network failures, as opposed to S3 answering with an error. */
const isUnreachable = (e: unknown): boolean => {
  if (e instanceof S3ServiceException) return (e.$metadata.httpStatusCode ?? 0) >= 500;
  return true;
};

const wrap = (e: unknown): Error =>
  isUnreachable(e) ? errors.storageUnavailable(e) : (e as Error);

/** The server does not implement the operation (s3rver: 501 for listing uploads, 405 for abort). */
const isUnsupported = (e: unknown): boolean =>
  e instanceof S3ServiceException &&
  (e.name === 'NotImplemented' ||
    e.name === 'MethodNotAllowed' ||
    e.$metadata.httpStatusCode === 501 ||
    e.$metadata.httpStatusCode === 405);

const isNoSuchUpload = (e: unknown): boolean =>
  e instanceof S3ServiceException && e.name === 'NoSuchUpload';

export class S3ObjectStore implements OwnedObjectStore {
  private readonly client: S3Client;
  private readonly partSize: number;
  /** Who wants to hear the upload id of the multipart upload started for a key. */
  private readonly multipartListeners = new Map<string, (uploadId: string) => void>();

  constructor(private readonly options: S3ObjectStoreOptions) {
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // Streamed bodies would otherwise be sent aws-chunked with trailing checksums,
      // which some S3 servers (s3rver) store verbatim: silent corruption.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      // Failures reach callers as errors (and their logs); the SDK's own console warnings,
      // e.g. for an upload the client aborted, would only repeat them.
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    });
    this.partSize = partSizeFor(options.maxObjectBytes);
    // lib-storage starts the multipart upload itself; its answer is the first moment the
    // upload id exists, so it is taken here rather than after the first part.
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'CreateMultipartUploadCommand') {
          const key = (args.input as { Key?: string }).Key;
          const uploadId = (result.output as { UploadId?: string }).UploadId;
          const listener = key === undefined ? undefined : this.multipartListeners.get(key);
          if (listener && uploadId) listener(uploadId);
        }
        return result;
      },
      { step: 'initialize', name: 'reportMultipartStarted' },
    );
  }

  prepare(): Promise<void> {
    return this.ensureBucket();
  }

  /** Creates the bucket when it is missing; safe to call from every replica at start. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (e) {
      if (!isNotFound(e)) throw wrap(e);
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.options.bucket }));
      } catch (createError) {
        const name = createError instanceof S3ServiceException ? createError.name : '';
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
          throw wrap(createError);
        }
      }
    }
  }

  startUpload(key: string, body: Readable, options: UploadOptions = {}): ObjectUpload {
    const { metadata, expectedBytes, onMultipartStarted } = options;
    // Parts as small as the expected size allows (each part in flight is held in memory).
    const partSize =
      expectedBytes === undefined || !(expectedBytes >= 0)
        ? this.partSize
        : Math.min(this.partSize, partSizeFor(expectedBytes));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: key, Body: body, Metadata: metadata },
      partSize,
      queueSize: this.options.queueSize ?? 2,
      leavePartsOnError: false,
    });
    if (onMultipartStarted) this.multipartListeners.set(key, onMultipartStarted);
    const done = (async (): Promise<StoredObject> => {
      try {
        await upload.done();
      } catch (e) {
        throw wrap(e);
      } finally {
        if (this.multipartListeners.get(key) === onMultipartStarted) {
          this.multipartListeners.delete(key);
        }
      }
      return { key };
    })();
    // The caller may abort before awaiting done(); keep the rejection observed.
    done.catch(() => undefined);
    return {
      done: () => done,
      abort: async () => {
        await upload.abort().catch(() => undefined);
        await done.catch(() => undefined);
        // Some S3 servers lack AbortMultipartUpload, and a single-part upload may
        // already have landed: delete the key so nothing half-created remains.
        await this.remove(key).catch(() => undefined);
      },
    };
  }

  async put(key: string, body: Readable, length: number, options?: PutOptions): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentLength: length,
        }),
        { abortSignal: options?.signal },
      );
    } catch (e) {
      throw wrap(e);
    }
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    // Some S3 servers (s3rver) answer `bytes=0-0` with the whole object: ask for two, keep one.
    const oneAtStart = range !== undefined && range.start === 0 && range.end === 1;
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          // HTTP ranges are inclusive; ours are half-open.
          Range: range ? `bytes=${range.start}-${range.end - (oneAtStart ? 0 : 1)}` : undefined,
        }),
      );
      if (!(out.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream');
      return oneAtStart ? out.Body.pipe(firstBytes(1)) : out.Body;
    } catch (e) {
      throw wrap(e);
    }
  }

  async size(key: string): Promise<number | null> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      return out.ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw wrap(e);
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
    } catch (e) {
      if (!isNotFound(e)) throw wrap(e);
    }
  }

  async *list(prefix: string): AsyncIterable<ListedObject[]> {
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: prefix,
            ContinuationToken: token,
            MaxKeys: 1000,
          }),
        );
      } catch (e) {
        throw wrap(e);
      }
      yield (out.Contents ?? []).map((o) => ({
        key: o.Key ?? '',
        lastModified: o.LastModified ?? new Date(0),
        bytes: o.Size ?? 0,
      }));
      token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async listMultipartUploads(prefix: string): Promise<PendingMultipartUpload[] | null> {
    const found: PendingMultipartUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let out;
      try {
        out = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.options.bucket,
            Prefix: prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        );
      } catch (e) {
        if (isUnsupported(e)) return null;
        throw wrap(e);
      }
      for (const u of out.Uploads ?? []) {
        if (u.Key && u.UploadId) {
          found.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated ?? new Date(0) });
        }
      }
      if (out.IsTruncated !== true) return found;
      keyMarker = out.NextKeyMarker;
      uploadIdMarker = out.NextUploadIdMarker;
    }
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<boolean> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.options.bucket,
          Key: key,
          UploadId: uploadId,
        }),
      );
      return true;
    } catch (e) {
      if (isUnsupported(e)) return false;
      if (isNoSuchUpload(e) || isNotFound(e)) return true;
      throw wrap(e);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (e) {
      throw wrap(e);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
