import { PassThrough, type Writable } from 'node:stream';
import type { ObjectStore, ObjectUpload } from './object-store';

/**
 * Resolves once `stream` takes more, or is gone (destroyed: the caller asks why). Waiting for
 * 'drain' alone would wait for ever on a stream whose reader failed.
 */
export function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}

/**
 * How long a fed object is: exactly `length` bytes (stored by one plain PUT), or at most
 * `atMost` (stored as an upload of unknown length, which may end short).
 */
export type FedLength = number | { atMost: number };

/**
 * One object fed piece by piece as its bytes arrive, so that storing them
 * overlaps receiving them: only the last piece's write and the store's flush
 * are left when the last byte came. A store that fails stops taking pieces at
 * once (`write` throws why), as does `abort`.
 */
export class FedPut {
  private readonly body = new PassThrough({ highWaterMark: 1024 * 1024 });
  private readonly aborter = new AbortController();
  private readonly upload: ObjectUpload | undefined;
  private readonly stored: Promise<void>;
  private failure: Error | undefined;

  constructor(store: ObjectStore, key: string, length: FedLength) {
    if (typeof length === 'number') {
      this.stored = store.put(key, this.body, length, { signal: this.aborter.signal });
    } else {
      this.upload = store.startUpload(key, this.body, { expectedBytes: length.atMost });
      this.stored = this.upload.done().then(() => undefined);
    }
    this.stored.catch((e: unknown) => {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
      this.body.destroy();
    });
  }

  async write(piece: Buffer): Promise<void> {
    this.check();
    if (!this.body.write(piece)) await drained(this.body);
    this.check();
  }

  /** All pieces are written: resolves once the object is stored. */
  async end(): Promise<void> {
    this.check();
    this.body.end();
    await this.stored;
  }

  /** Gives the object up: nothing of it is stored, and a write waiting or to come throws. */
  async abort(): Promise<void> {
    const reason = new Error('the object was given up before its last byte');
    this.failure ??= reason;
    this.aborter.abort(reason);
    this.body.destroy();
    await this.upload?.abort();
    await this.stored.catch(() => undefined);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
