import type { Redis } from '@ingest/redis';

/**
 * Requests per minute per API key, counted in Redis so that every gateway
 * instance shares the count: fixed one-minute windows, one counter per window.
 */
export class RequestRateLimiter {
  constructor(
    private readonly redis: Redis,
    /** Prefix of every key (deployment and test isolation). */
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
}
