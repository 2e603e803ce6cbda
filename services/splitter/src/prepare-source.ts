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
import { readSamples, SAMPLE_BYTES, type ObjectSamples } from './object-samples';
import { createTranscodeStream } from './transcode-stream';
import { durableBytes, followUpload } from './follow-upload';
import { deriveWhileReading } from './derive-while-reading';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

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
  /** Segments of the text derived while an upload arrives (SPLITTER_DERIVED_SEGMENT_BYTES). */
  derivedSegmentBytes?: number;
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

export interface FollowedSourceDeps extends PrepareSourceDeps {
  /** Reads the upload's row afresh. */
  upload: () => Promise<ResumableUpload | null>;
  pollMs: number;
  idleMs: number;
  signal: AbortSignal;
}

/**
 * The source of an upload that loads while its bytes arrive (also once they
 * all have): the upload itself, read segment by segment as each becomes
 * durable. The dialect, encoding and schema are judged on the samples of what
 * is stored so far (at least its first segment). A gzip or non-UTF-8 upload is
 * decompressed and transcoded on the same pass into segments of its own
 * (`<key>.csv/<n>`, `<key>.utf8.csv/<n>`), judged on its text's head alone.
 * Null while nothing is durable.
 */
export async function prepareFollowedSource(
  deps: FollowedSourceDeps,
  job: JobRecord,
  row: ResumableUpload,
): Promise<PreparedSource | null> {
  const durable = durableBytes(row);
  if (durable === 0) return null;
  const upload: StoredFile = { key: job.object_key, segmentBytes: row.segment_bytes };
  const finished = row.finished_at !== null;
  const raw = await readSamples(deps.store, upload, durable, { endsFile: finished });
  const overrides: DialectOverrides = job.dialect_overrides ?? {};
  const declaredUtf16 = overrides.encoding === 'utf-16le' || overrides.encoding === 'utf-16be';
  let length = finished ? durable : row.length;
  refuseNonCsv(raw.head, length ?? Infinity, !declaredUtf16);
  const follow = (from: number, onFinished: (bytes: number) => void) =>
    followUpload({ ...deps, file: upload, from, onFinished });
  const gzip = isGzip(raw.head);
  const text = gzip ? await decompressedHead(deps.store, upload, durable, finished) : raw;
  if (gzip) refuseNonCsv(text.head, text.endsFile ? text.head.length : Infinity, !declaredUtf16);
  const encoding = overrides.encoding ?? detectEncoding(text.head, text.all.slice(1)).encoding;
  if (!gzip && encoding === 'utf-8') {
    return {
      file: upload,
      get bytes() {
        return length ?? Infinity;
      },
      encoding,
      compression: 'none',
      samples: raw,
      read: (from) => follow(from, (bytes) => (length = bytes)),
    };
  }
  const utf8 = encoding === 'utf-8';
  const samples = utf8 ? text : await transcodeSamples(text, encoding);
  // UTF-16 skipped the text checks (its bytes are half NULs); its UTF-8 text gets them.
  if (!utf8) refuseNonCsv(samples.head, samples.endsFile ? samples.head.length : Infinity);
  const target = utf8 ? decompressedKey(job.object_key) : transcodedKey(job.object_key);
  let derived: number | null = null;
  const segmentBytes = deps.derivedSegmentBytes ?? 8 * 1024 * 1024;
  return {
    file: { key: target, segmentBytes },
    get bytes() {
      return derived ?? Infinity;
    },
    encoding,
    compression: gzip ? 'gzip' : 'none',
    samples,
    read: (from) =>
      deriveWhileReading({
        store: deps.store,
        tracker: deps.tracker,
        source: follow(0, () => undefined),
        transforms: [
          ...(gzip ? [createGunzip()] : []),
          ...(utf8 ? [] : [createTranscodeStream(encoding)]),
        ],
        target,
        segmentBytes,
        from,
        // UTF-16 → UTF-8 grows at most 1.5×, a single-byte charset at most 3×.
        limitBytes: gzip
          ? deps.maxDecompressedBytes
          : Math.max(deps.maxDecompressedBytes, 3 * (length ?? durable)),
        onEnd: (bytes) => (derived = bytes),
      }),
  };
}

/**
 * The head of a gzip upload's text: its durable prefix decompressed until a
 * sample's worth came out (a stream cut mid-way ends the sample, not the job).
 */
async function decompressedHead(
  store: ObjectStore,
  file: StoredFile,
  durable: number,
  finished: boolean,
): Promise<ObjectSamples> {
  const gunzip = createGunzip();
  const source = await readStoredFile(store, file, { start: 0, end: durable });
  const pieces: Buffer[] = [];
  let bytes = 0;
  let complete = false;
  /** A read that failed (the upload's objects gone): not a gzip stream ending early. */
  let readFailure: Error | undefined;
  // pipe() leaves the source's errors unheard: unhandled, they would end the process.
  source.once('error', (e) => {
    readFailure = e;
    gunzip.destroy(e);
  });
  try {
    source.pipe(gunzip);
    for await (const piece of gunzip as AsyncIterable<Buffer>) {
      pieces.push(piece);
      bytes += piece.length;
      if (bytes >= SAMPLE_BYTES) break;
    }
    complete = finished && bytes < SAMPLE_BYTES;
  } catch {
    // The prefix ends inside the gzip stream: what came out so far is the sample.
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  if (readFailure) throw readFailure;
  const head = Buffer.concat(pieces).subarray(0, SAMPLE_BYTES);
  return { head, all: [head], endsFile: complete };
}

/** Samples of a non-UTF-8 text, in UTF-8 (each cut at its end: a sample's last character may go). */
async function transcodeSamples(
  samples: ObjectSamples,
  encoding: Encoding,
): Promise<ObjectSamples> {
  const transcode = (sample: Buffer) =>
    buffer(Readable.from([sample]).pipe(createTranscodeStream(encoding)));
  const all = await Promise.all(samples.all.map(transcode));
  return { head: all[0] ?? Buffer.alloc(0), all, endsFile: samples.endsFile };
}

/**
 * A file that is not CSV at all (an image, a workbook, an archive, binary
 * data, JSON) fails its job with UNSUPPORTED_FORMAT before anything is planned.
 */
function refuseNonCsv(head: Buffer, bytes: number, textChecks = true): void {
  const found = sniffFormat(head, head.length >= bytes, { textChecks });
  if (found) throw errors.unsupportedFormat(found);
}
