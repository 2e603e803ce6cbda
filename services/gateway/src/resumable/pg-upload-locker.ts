import type { ResumableUploadRecords } from '@ingest/jobs';
import { ERRORS, type Lock, type Locker } from '@tus/utils';
import { TusError } from './tus-error';

/**
 * One lock per upload across every gateway: a Postgres advisory lock held on
 * a connection of its own while a request works on the upload (the tus
 * server's in-memory locker only excludes requests of one process). A
 * gateway that dies loses its connection and so its locks. Another gateway's
 * holder cannot be asked to let go; a client that went away is noticed by its
 * gateway when the connection closes, which ends its request and the lock.
 */
export class PgUploadLocker implements Locker {
  constructor(
    private readonly uploads: ResumableUploadRecords,
    /** How long a request waits for the lock before failing (500, tus: lock timeout). */
    private readonly waitMs = 20_000,
  ) {}

  newLock(id: string): Lock {
    let held: { release(): Promise<void> } | null = null;
    return {
      lock: async (signal: AbortSignal) => {
        held = await this.uploads.lock(id, this.waitMs, signal);
        if (!held) throw new TusError(ERRORS.ERR_LOCK_TIMEOUT);
      },
      unlock: async () => {
        await held?.release();
        held = null;
      },
    };
  }
}
