import type { UploadRegistry } from './upload-registry';

/** What a writer does with the record of its write; see UploadTracker. */
export interface TrackedWrite {
  /** Keeps the multipart upload's id, so a sweep can abort it should the writer die. */
  recordUploadId(uploadId: string): void;
  /**
   * Renews the lease now and says whether the write still counts: false when
   * the sweeper took it as abandoned (its objects are gone).
   */
  confirm(): Promise<boolean>;
  /** Stops renewing and forgets the write (its objects are a job's now, or were removed). */
  close(): Promise<void>;
}

export interface UploadTrackerLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * Records each object write in `ingest.uploads` before its first byte and
 * renews it every third of the lease while the writer lives, so the sweeper
 * can tell a write in progress from one whose writer died.
 */
export class UploadTracker {
  constructor(
    private readonly registry: UploadRegistry,
    private readonly options: { writer: string; leaseMs: number; logger: UploadTrackerLogger },
  ) {}

  async open(objectKey: string): Promise<TrackedWrite> {
    const { registry, options } = this;
    const { leaseMs, logger } = options;
    const id = await registry.record(objectKey, options.writer, leaseMs);
    const warn = (what: string) => (e: unknown) =>
      logger.warn({ err: e, objectKey }, `upload record: ${what} failed`);
    // A missed renewal is retried at the next tick; two in a row would still leave a third
    // of the lease.
    const timer = setInterval(() => {
      registry.renew(id, leaseMs).catch(warn('renewal'));
    }, leaseMs / 3);
    timer.unref();
    let closed = false;
    return {
      recordUploadId: (uploadId) => {
        registry.recordUploadId(id, uploadId).catch(warn('upload id'));
      },
      confirm: () => registry.renew(id, leaseMs),
      close: async () => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        await registry.forget(id).catch(warn('forget'));
      },
    };
  }
}
