import type { ResumableUpload } from '@ingest/jobs';
import { readStoredFile, type ObjectStore, type StoredFile } from '@ingest/object-store';
import { setTimeout as sleep } from 'node:timers/promises';

/** No byte arrived for a while: planning stops here and resumes on the gateway's next nudge. */
export class FollowPaused extends Error {
  constructor(readonly offset: number) {
    super(`no new bytes at offset ${offset}`);
  }
}

/** The upload's job ended (cancelled, expired, failed) while it was followed. */
export class FollowEnded extends Error {
  constructor(readonly status: string) {
    super(`job ${status}`);
  }
}

export interface FollowOptions {
  /** Reads the upload's row (offset, tail, finished) afresh. */
  upload: () => Promise<ResumableUpload | null>;
  store: ObjectStore;
  file: StoredFile;
  from: number;
  /** How often the row is read while the reader waits for bytes. */
  pollMs: number;
  /** How long the reader waits for new bytes before it gives up (FollowPaused). */
  idleMs: number;
  /** The splitter stops: the reader gives up as if idle. */
  signal: AbortSignal;
  /** Told the upload's length once its last byte is stored (an unannounced length is known then). */
  onFinished?: (bytes: number) => void;
}

/**
 * The bytes of a resumable upload from `from` on, each as soon as it is durable:
 * only whole segments count until the last byte (the tail of an unfinished
 * upload is rewritten by the next request, so it is not final). Ends once the
 * upload is finished and every byte was read.
 */
export async function* followUpload(options: FollowOptions): AsyncGenerator<Buffer> {
  let position = options.from;
  let lastProgress = Date.now();
  for (;;) {
    const row = await options.upload();
    if (!row) throw new FollowEnded('deleted');
    if (row.status === 'failed' || row.status === 'cancelled') throw new FollowEnded(row.status);
    const finished = row.finished_at !== null;
    const durable = durableBytes(row);
    if (durable > position) {
      const body = await readStoredFile(options.store, options.file, {
        start: position,
        end: durable,
      });
      for await (const piece of body as AsyncIterable<Buffer>) {
        position += piece.length;
        yield piece;
      }
      lastProgress = Date.now();
      continue;
    }
    if (finished) {
      options.onFinished?.(durable);
      return;
    }
    const idle = Date.now() - lastProgress >= options.idleMs;
    if (idle || options.signal.aborted) throw new FollowPaused(position);
    await sleep(options.pollMs);
  }
}

/** Bytes of the upload readable now (whole segments, or all of it once finished). */
export const durableBytes = (row: ResumableUpload): number =>
  row.finished_at !== null ? (row.length ?? row.upload_offset) : row.upload_offset - row.tail_bytes;
