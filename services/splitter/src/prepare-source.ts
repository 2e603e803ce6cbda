import type { DialectOverrides, Encoding } from '@ingest/contracts';
import { detectEncoding, isGzip, sniffFormat } from '@ingest/csv';
import { errors } from '@ingest/errors';
import {
  decompressedKey,
  readStoredFile,
  transcodedKey,
  type ObjectStore,
  type StoredFile,
} from '@ingest/object-store';
import type { JobRecord, ResumableUpload } from '@ingest/jobs';
import { createGunzip } from 'node:zlib';
import { deriveObject, type WriteTracker } from './derived-object';
import { readSamples, type ObjectSamples } from './object-samples';
import { createTranscodeStream } from './transcode-stream';
import { durableBytes, followUpload } from './follow-upload';

/** The plain UTF-8 CSV object chunks are cut from, and how it was obtained. */
export interface PreparedSource {
  /** The upload itself (maybe segmented), or a plain object derived from it. */
  file: StoredFile;
  /**
   * The source's length; for an upload still arriving without an announced length,
   * Infinity until its last byte is stored (read it after the scan).
   */
  readonly bytes: number;
  encoding: Encoding;
  compression: 'none' | 'gzip';
  samples: ObjectSamples;
  /** The source's bytes from `from` to its end. */
  read(from: number): AsyncIterable<Buffer>;
}

export interface PrepareSourceDeps {
  store: ObjectStore;
  /** Records each derived object while it is written (a sweep cleans up after a splitter that died). */
  tracker?: WriteTracker;
  /** Largest plain object a compressed upload may expand to. */
  maxDecompressedBytes: number;
}

/**
 * Byte ranges of a gzip stream cannot be parsed independently, and a UTF-16
 * file's quote bytes are not 0x22: both are rewritten once into a plain UTF-8
 * object (gzip by magic bytes, never by name), which every later step reads.
 */
export async function prepareSource(
  deps: PrepareSourceDeps,
  job: JobRecord,
): Promise<PreparedSource> {
  const { store } = deps;
  const overrides: DialectOverrides = job.dialect_overrides ?? {};
  let file: StoredFile = { key: job.object_key, segmentBytes: job.segment_bytes };
  let bytes = job.bytes;
  let samples = await readSamples(store, file, bytes);
  // Declared UTF-16 without a BOM is half NUL bytes: its text is checked once transcoded.
  const declaredUtf16 = overrides.encoding === 'utf-16le' || overrides.encoding === 'utf-16be';
  refuseNonCsv(samples.head, bytes, !declaredUtf16);
  let compression: PreparedSource['compression'] = 'none';

  if (isGzip(samples.head)) {
    compression = 'gzip';
    const target = decompressedKey(job.object_key);
    bytes = await deriveObject(
      deps,
      { file, bytes },
      target,
      [createGunzip()],
      deps.maxDecompressedBytes,
    );
    file = { key: target, segmentBytes: null };
    samples = await readSamples(store, file, bytes);
    refuseNonCsv(samples.head, bytes, !declaredUtf16); // what the gzip held
  }

  const encoding =
    overrides.encoding ?? detectEncoding(samples.head, samples.all.slice(1)).encoding;
  if (encoding !== 'utf-8') {
    const target = transcodedKey(job.object_key);
    const transcoded = await deriveObject(
      deps,
      { file, bytes },
      target,
      [createTranscodeStream(encoding)],
      // UTF-16 → UTF-8 grows at most 1.5×, a single-byte charset at most 3×.
      Math.max(deps.maxDecompressedBytes, bytes * 3),
    );
    if (file.key !== job.object_key) await store.remove(file.key);
    file = { key: target, segmentBytes: null };
    bytes = transcoded;
    samples = await readSamples(store, file, bytes);
    // UTF-16 skipped the text checks (its bytes are half NULs); its UTF-8 copy gets them.
    refuseNonCsv(samples.head, bytes);
  }
  const source = file;
  const end = bytes;
  return {
    file,
    bytes,
    encoding,
    compression,
    samples,
    read: async function* (from) {
      yield* (await readStoredFile(store, source, { start: from, end })) as AsyncIterable<Buffer>;
    },
  };
}

export interface FollowedSourceDeps {
  store: ObjectStore;
  /** Reads the upload's row afresh. */
  upload: () => Promise<ResumableUpload | null>;
  pollMs: number;
  idleMs: number;
  signal: AbortSignal;
}

/**
 * The source of a resumable upload while its bytes arrive: the upload itself,
 * read segment by segment as each becomes durable. The dialect, encoding and
 * schema are judged on the samples of what is stored so far (at least its first
 * segment). Null when that is not possible yet (nothing durable) or not at all
 * while it streams: a gzip or non-UTF-8 upload is rewritten whole once its last
 * byte is stored, and planned then.
 */
export async function prepareFollowedSource(
  deps: FollowedSourceDeps,
  job: JobRecord,
  row: ResumableUpload,
): Promise<PreparedSource | null> {
  const durable = durableBytes(row);
  if (durable === 0) return null;
  const file: StoredFile = { key: job.object_key, segmentBytes: row.segment_bytes };
  const finished = row.finished_at !== null;
  const samples = await readSamples(deps.store, file, durable, { endsFile: finished });
  const overrides: DialectOverrides = job.dialect_overrides ?? {};
  const declaredUtf16 = overrides.encoding === 'utf-16le' || overrides.encoding === 'utf-16be';
  let length = finished ? durable : row.length;
  refuseNonCsv(samples.head, length ?? Infinity, !declaredUtf16);
  if (isGzip(samples.head)) return null;
  const encoding =
    overrides.encoding ?? detectEncoding(samples.head, samples.all.slice(1)).encoding;
  if (encoding !== 'utf-8') return null;
  return {
    file,
    get bytes() {
      return length ?? Infinity;
    },
    encoding,
    compression: 'none',
    samples,
    read: (from) => followUpload({ ...deps, file, from, onFinished: (bytes) => (length = bytes) }),
  };
}

/**
 * A file that is not CSV at all (an image, a workbook, an archive, binary
 * data, JSON) fails its job with UNSUPPORTED_FORMAT before anything is planned.
 */
function refuseNonCsv(head: Buffer, bytes: number, textChecks = true): void {
  const found = sniffFormat(head, head.length >= bytes, { textChecks });
  if (found) throw errors.unsupportedFormat(found);
}
