import type { Redis } from '@ingest/redis';
import { randomUUID } from 'node:crypto';

/** Drops expired leases, then adds this one unless the key already holds `limit`. */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/** One held upload slot: renewed while held, freed by `release`. */
export interface UploadLease {
  /** Stops renewing and frees the slot; never rejects (an unreleased lease expires). */
  release(): Promise<void>;
}

/**
 * Concurrent uploads per API key, shared by every gateway instance: a sorted
 * set per key of upload ids scored by lease expiry. A lease is renewed while
 * the upload runs, so a gateway that dies mid-upload frees its slots by itself.
 */
export class UploadLeases {
  constructor(
    private readonly redis: Redis,
    /** Prefix of every key (deployment and test isolation). */
    private readonly prefix: string,
    /** How long a lease outlives its last renewal. Default 60 s, renewed every third of it. */
    private readonly leaseMs = 60_000,
  ) {}

  /** Takes one of the key's `limit` slots; null when all are taken. */
  async acquire(keyId: string, limit: number): Promise<UploadLease | null> {
    const uploadId = randomUUID();
    const key = this.keyOf(keyId);
    const now = Date.now();
    const taken = await this.redis.eval(
      ACQUIRE,
      1,
      key,
      now,
      now + this.leaseMs,
      limit,
      uploadId,
      this.leaseMs * 2,
    );
    if (taken !== 1) return null;
    // Each renewal also extends the set's own expiry: otherwise an upload longer than twice
    // the lease would lose the set (and every slot in it) while still running.
    const renew = setInterval(() => {
      this.redis
        .multi()
        .zadd(key, 'XX', Date.now() + this.leaseMs, uploadId)
        .pexpire(key, this.leaseMs * 2)
        .exec()
        .catch(() => undefined);
    }, this.leaseMs / 3);
    return {
      release: async () => {
        clearInterval(renew);
        await this.redis.zrem(key, uploadId).catch(() => undefined);
      },
    };
  }

  private keyOf(keyId: string) {
    return `${this.prefix}uploads:${keyId}`;
  }
}
