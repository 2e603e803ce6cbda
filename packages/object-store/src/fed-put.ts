import { PassThrough, type Writable } from 'node:stream';
import type { ObjectStore } from './object-store';

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
 * One object's PUT of a known length, fed piece by piece as its bytes arrive,
 * so that storing them overlaps receiving them: only the last piece's write and
 * the store's flush are left when the last byte came. A PUT that fails stops
 * taking pieces at once (`write` throws why).
 */
export class FedPut {
  private readonly body = new PassThrough({ highWaterMark: 1024 * 1024 });
  private readonly aborter = new AbortController();
  private readonly put: Promise<void>;
  private failure: Error | undefined;

  constructor(store: ObjectStore, key: string, length: number) {
    this.put = store.put(key, this.body, length, { signal: this.aborter.signal });
    this.put.catch((e: unknown) => {
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
    await this.put;
  }

  /** Gives the object up: nothing of it is stored. */
  async abort(): Promise<void> {
    this.aborter.abort(new Error('the object was given up before its last byte'));
    this.body.destroy();
    await this.put.catch(() => undefined);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
