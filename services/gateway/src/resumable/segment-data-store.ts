import { jobFieldsOf } from '../upload/job-options';
import { SplitterNudges } from '../upload/splitter-nudges';
import type { Logger } from '@ingest/config';
import { QUEUES, type JobStoredMessage, type MessagePublisher } from '@ingest/contracts';
import { RAW_UPLOAD_ROUTE, type JobLifecycle, type ResumableUpload } from '@ingest/jobs';
import {
  FedPut,
  newUploadKey,
  partialSegmentKey,
  readStoredFile,
  removeUploadObjects,
  segmentKey,
  type ObjectStore,
} from '@ingest/object-store';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { errors } from '@ingest/errors';
import { declaredSha256 } from '../upload/upload-request';
import type { TenantSchemaSource } from '../job-intake';
import { creationContext } from './creation-context';
import { SpareSegment, type SegmentMemory } from './segment-memory';
import { TusError } from './tus-error';

export interface SegmentDataStoreDeps {
  lifecycle: JobLifecycle;
  store: ObjectStore;
  publisher: MessagePublisher;
  logger: Logger;
  /** GATEWAY_TUS_SEGMENT_BYTES: the size of each stored segment. */
  segmentBytes: number;
  /** The gateway's segment buffers: the route holds one per request, a second comes from here. */
  segmentMemory: SegmentMemory;
  /** GATEWAY_TUS_EXPIRY: an unfinished upload expires this long after its creation. */
  expiryMs: number;
  /** STORAGE_RETENTION, recorded on each job. */
  objectRetentionMs: number;
  /** Which PostgreSQL schema holds a tenant's tables (fixed on the job at its creation). */
  schemas: TenantSchemaSource;
}

/** A tus upload always announces its length (Upload-Defer-Length is not offered). */
type TusUpload = ResumableUpload & { length: number };
const hasLength = (row: ResumableUpload): row is TusUpload => row.length !== null;

/** A whole segment whose PUT has ended: `done` once it is stored and its offset recorded. */
interface EndingSegment {
  /** The upload's offset at the segment's end. */
  offset: number;
  length: number;
  /** Its bytes, kept until it is stored (the open segment again if its PUT fails). */
  buffer: Buffer;
  done: Promise<void>;
}

/** A SHA-256 this process has fed every byte of the upload with, up to `offset`. */
interface RunningHash {
  hash: Hash;
  offset: number;
}

/**
 * The tus data store of resumable uploads: the bytes go into the stored-file
 * layout every reader knows (segments `<key>/000000…` of a fixed size, read by
 * `readStoredFile`), the state into Postgres (`ingest.resumable_uploads`), so
 * any gateway continues any upload. A request's bytes are cut into full
 * segments, each one plain PUT fed as its bytes arrive (FedPut), the offset
 * recorded after each; the next segment is received while the one before is
 * flushed (two segment buffers per request). What is left when the request
 * ends — or is cut — is kept as `<key>/partial` and read back by the next
 * request. Durable segments nudge the splitters, which plan (and so load) the
 * upload as it arrives. The last byte makes the job `stored` (or `loading`)
 * and publishes it.
 * Every call runs under the upload's lock (PgUploadLocker).
 */
export class SegmentDataStore extends DataStore {
  /** Hashes of uploads this process received from their first byte (see finish). */
  private readonly hashes = new Map<string, RunningHash>();
  private readonly nudges: SplitterNudges;

  constructor(private readonly deps: SegmentDataStoreDeps) {
    super();
    this.nudges = new SplitterNudges(deps);
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const ctx = creationContext.getStore();
    if (!ctx || ctx.jobId !== upload.id || upload.size === undefined) {
      throw new Error('a resumable upload is created only through its checked route');
    }
    const { options } = ctx;
    const now = new Date();
    await this.deps.lifecycle.createReceiving(
      {
        ...jobFieldsOf(options, this.deps.objectRetentionMs),
        id: upload.id,
        idempotencyKey: null,
        status: 'receiving',
        objectKey: newUploadKey(),
        segmentBytes: this.deps.segmentBytes,
        bytes: 0,
        sha256: null,
        targetSchema: await this.deps.schemas.schemaFor(options.tenant),
      },
      {
        length: upload.size,
        segmentBytes: this.deps.segmentBytes,
        metadata: ctx.metadata,
        dedupeContent: options.dedupeContent,
        expiresAt: new Date(now.getTime() + this.deps.expiryMs),
      },
    );
    ctx.res.setHeader('Ingest-Job-Id', upload.id);
    upload.creation_date = now.toISOString();
    this.hashes.set(upload.id, { hash: createHash('sha256'), offset: 0 });
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const row = await this.row(id);
    return new Upload({
      id,
      size: row.length,
      offset: row.upload_offset,
      metadata: row.metadata,
      creation_date: row.created_at.toISOString(),
    });
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const spare = new SpareSegment(this.deps.segmentMemory);
    try {
      return await this.receive(stream, id, offset, spare);
    } finally {
      spare.giveBack();
    }
  }

  private async receive(
    stream: Readable,
    id: string,
    offset: number,
    spare: SpareSegment,
  ): Promise<number> {
    const row = await this.row(id);
    if (row.finished_at !== null || row.status !== 'receiving')
      throw new TusError(ERRORS.FILE_NO_LONGER_EXISTS);
    if (offset !== row.upload_offset) throw new TusError(ERRORS.INVALID_OFFSET);
    const { store, lifecycle } = this.deps;
    const size = row.segment_bytes;
    /** Bytes in whole segments stored, or being stored (`ending`). */
    let stored = row.upload_offset - row.tail_bytes;
    /**
     * The open segment's bytes so far, the recorded tail first, copied in as they come: its
     * PUT takes them from here, and they stay until it is stored, for a request cut short.
     * Keeping the request's own pieces instead made them outlive the young generation, and
     * the garbage collector's work doubled the gateway's CPU on a tus upload.
     */
    let openSegment: Buffer = Buffer.allocUnsafe(Math.min(size, row.length - stored));
    let keptBytes = 0;
    if (row.tail_bytes > 0) {
      // Read straight into the open segment. A failed PUT of a longer tail may have replaced
      // it: only the recorded bytes count.
      const tailKey = partialSegmentKey(row.object_key);
      const tail = await store.read(tailKey, { start: 0, end: row.tail_bytes });
      for await (const piece of tail as AsyncIterable<Buffer>) {
        keptBytes += piece.copy(openSegment, keptBytes);
      }
      if (keptBytes !== row.tail_bytes) {
        throw errors.storageUnavailable(
          new Error(`${tailKey} holds ${keptBytes} of the ${row.tail_bytes} bytes recorded`),
        );
      }
    }
    const known = this.hashes.get(id);
    let running = known?.offset === row.upload_offset ? known : undefined;
    if (!running) this.hashes.delete(id);
    let segment: FedPut | undefined;
    /**
     * The segment filled last, being stored (its flush, then its offset recorded) while the
     * next one is received: a flush no longer holds the request up. At most one at a time.
     */
    let ending: EndingSegment | undefined;
    /** Waits for `ending`; a failed one becomes the open segment again, the bytes after it dropped. */
    const settle = async () => {
      const last = ending;
      ending = undefined;
      if (!last) return undefined;
      try {
        await last.done;
        return last.buffer;
      } catch (e) {
        await segment?.abort();
        segment = undefined;
        openSegment = last.buffer;
        keptBytes = last.length;
        stored = last.offset - last.length;
        // The running hash saw the dropped bytes, which the client sends again.
        this.hashes.delete(id);
        running = undefined;
        throw e;
      }
    };
    try {
      for await (const piece of stream as AsyncIterable<Buffer>) {
        if (stored + keptBytes + piece.length > row.length)
          throw new TusError(ERRORS.ERR_SIZE_EXCEEDED);
        let rest = piece;
        while (rest.length > 0) {
          const length = Math.min(size, row.length - stored);
          if (!segment) {
            segment = new FedPut(store, segmentKey(row.object_key, stored / size), length);
            if (keptBytes > 0) await segment.write(openSegment.subarray(0, keptBytes));
          }
          const part = rest.subarray(0, length - keptBytes);
          rest = rest.subarray(part.length);
          // Hashed as kept: a PUT failing mid-piece drops the rest, which the client sends again.
          running?.hash.update(part);
          part.copy(openSegment, keptBytes);
          const copy = openSegment.subarray(keptBytes, keptBytes + part.length);
          keptBytes += part.length;
          await segment.write(copy);
          if (keptBytes < length) continue;
          // The one before is stored by now (it had a whole segment's time): its buffer is free.
          const free = await settle();
          const full = segment;
          segment = undefined;
          stored += length;
          const endOffset = stored;
          ending = {
            offset: endOffset,
            length,
            buffer: openSegment,
            done: full.end().then(async () => {
              await lifecycle.uploads.recordOffset(id, endOffset, 0);
              this.nudge(row);
            }),
          };
          ending.done.catch(() => undefined); // awaited by settle
          if (free) {
            openSegment = free;
          } else if (spare.take()) {
            openSegment = Buffer.allocUnsafe(Math.min(size, row.length - stored));
          } else {
            // No room for a second buffer: wait for the flush and fill the same one again.
            openSegment = (await settle()) ?? openSegment;
          }
          keptBytes = 0;
        }
      }
      await settle();
    } catch (e) {
      // Whatever arrived before the cut is kept below; a size violation is the client's error.
      if (e instanceof TusError) {
        await segment?.abort();
        await settle().catch(() => undefined);
        this.hashes.delete(id);
        throw e;
      }
      await settle().catch(() => undefined);
      this.deps.logger.info({ err: e, uploadId: id }, 'resumable upload request cut off');
    }
    // A segment not whole (the request ended or was cut, or its PUT failed): its bytes are kept.
    await segment?.abort();
    const offsetNow = stored + keptBytes;
    const finished = offsetNow === row.length;
    try {
      if (keptBytes > 0) {
        // Finished: the last segment, whose PUT failed, tried once more.
        const key = finished
          ? segmentKey(row.object_key, stored / size)
          : partialSegmentKey(row.object_key);
        await store.put(key, Readable.from([openSegment.subarray(0, keptBytes)]), keptBytes);
      }
      await lifecycle.uploads.recordOffset(id, offsetNow, finished ? 0 : keptBytes);
    } catch (e) {
      this.hashes.delete(id);
      throw e;
    }
    if (running) running.offset = offsetNow;
    this.nudges.forget(id);
    if (finished) await this.finish(row);
    return offsetNow;
  }

  /** Segments of the upload are durable: the first of each request, then every 2 s at most (SplitterNudges). */
  private nudge(row: ResumableUpload): void {
    if (row.dedupe_content) return; // a duplicate is only known after the last byte
    this.nudges.nudge(row.job_id);
  }

  override async remove(id: string): Promise<void> {
    const row = await this.row(id, { ended: true });
    this.hashes.delete(id);
    await this.deps.lifecycle.terminateUpload(id);
    await removeUploadObjects(this.deps.store, row.object_key);
  }

  override getExpiration(): number {
    return this.deps.expiryMs;
  }

  /** Expired uploads are ended by the splitter's sweeper (packages/housekeeping). */
  override deleteExpired(): Promise<number> {
    return Promise.resolve(0);
  }

  private async row(id: string, allow: { ended?: boolean } = {}): Promise<TusUpload> {
    const row = await this.deps.lifecycle.uploads.get(id);
    // A raw upload's row is no tus upload: it cannot be resumed.
    if (!row || row.metadata.route === RAW_UPLOAD_ROUTE || !hasLength(row)) {
      throw new TusError(ERRORS.FILE_NOT_FOUND);
    }
    const gone = row.status === 'failed' || row.status === 'cancelled';
    if (gone && row.finished_at !== null && allow.ended !== true) {
      throw new TusError(ERRORS.FILE_NO_LONGER_EXISTS);
    }
    return row;
  }

  /**
   * The last byte is stored: the SHA-256 comes from this process's running
   * hash when it saw every byte, else from reading the stored segments back
   * once; then the job becomes `stored` and is published (a lost publish is
   * repaired by the outbox sweep).
   */
  private async finish(row: TusUpload): Promise<void> {
    const { store, lifecycle, publisher, logger } = this.deps;
    const id = row.job_id;
    const running = this.hashes.get(id);
    this.hashes.delete(id);
    const sha256 =
      running?.offset === row.length
        ? running.hash.digest('hex')
        : await hashStoredFile(store, row.object_key, row.segment_bytes, row.length);
    await store.remove(partialSegmentKey(row.object_key));
    const declared = declaredSha256(row.metadata.content_digest ?? undefined);
    if (declared !== null && declared !== sha256) {
      // Like a POST whose Content-Digest does not match: nothing of it is loaded or kept.
      const mismatch = errors.digestMismatch(declared, sha256);
      await lifecycle.fail(id, mismatch.code, mismatch.message);
      await removeUploadObjects(store, row.object_key);
      return;
    }
    const finished = await lifecycle.finishUpload(id, { bytes: row.length, sha256 });
    if (finished.kind !== 'stored') return;
    const message: JobStoredMessage = { type: 'job.stored', version: 1, jobId: id };
    await publisher
      .publish(QUEUES.jobs, message, { messageId: `${id}:stored` })
      .catch((e: unknown) => {
        logger.warn({ err: e, jobId: id }, 'job.stored not published; the outbox sweep will');
      });
  }
}

async function hashStoredFile(
  store: ObjectStore,
  key: string,
  segmentBytes: number,
  length: number,
): Promise<string> {
  const hash = createHash('sha256');
  const body = await readStoredFile(store, { key, segmentBytes }, { start: 0, end: length });
  for await (const piece of body as AsyncIterable<Buffer>) hash.update(piece);
  return hash.digest('hex');
}
