import type { Redis } from 'ioredis';

/**
 * Limits shared by every gateway instance, kept in Redis:
 * - requests per minute per API key (fixed one-minute windows);
 * - concurrent uploads per API key, as a sorted set of upload ids scored by a
 *   lease expiry, so a gateway that dies mid-upload frees its slots by itself.
 */
const ACQUIRE_SLOT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export class RedisRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Counts one request; returns seconds to wait when over `perMinute`, else 0. */
  async hit(keyId: string, perMinute: number, now = Date.now()): Promise<number> {
    const minute = Math.floor(now / 60_000);
    const key = `${this.prefix}rate:${keyId}:${minute}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, 120).exec()) as [
      [Error | null, number],
    ];
    if (count <= perMinute) return 0;
    return Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
  }

  /** Takes an upload slot for `leaseMs` (renew while uploading); false when all are taken. */
  async acquireUpload(keyId: string, uploadId: string, limit: number, leaseMs: number) {
    const now = Date.now();
    const taken = await this.redis.eval(
      ACQUIRE_SLOT,
      1,
      this.uploadsKey(keyId),
      now,
      now + leaseMs,
      limit,
      uploadId,
      leaseMs * 2,
    );
    return taken === 1;
  }

  async renewUpload(keyId: string, uploadId: string, leaseMs: number): Promise<void> {
    await this.redis.zadd(this.uploadsKey(keyId), 'XX', Date.now() + leaseMs, uploadId);
  }

  async releaseUpload(keyId: string, uploadId: string): Promise<void> {
    await this.redis.zrem(this.uploadsKey(keyId), uploadId);
  }

  private uploadsKey(keyId: string) {
    return `${this.prefix}uploads:${keyId}`;
  }
}
