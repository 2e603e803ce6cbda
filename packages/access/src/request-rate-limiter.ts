import type { Redis } from '@ingest/redis';

/** One request counted: where the key stands in its current window. */
export interface RateWindow {
  /** Requests allowed per window. */
  limit: number;
  /** Requests left in this window (0 once over). */
  remaining: number;
  /** Seconds until the window ends and the count starts again (at least 1). */
  resetSeconds: number;
  /** Seconds to wait before retrying when this request was over the limit, else 0. */
  retryAfterSeconds: number;
}

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

  /** Counts one request and says where the key stands (for `RateLimit-*` headers). */
  async take(keyId: string, perMinute: number, now = Date.now()): Promise<RateWindow> {
    const minute = Math.floor(now / 60_000);
    const key = `${this.prefix}rate:${keyId}:${minute}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, 120).exec()) as [
      [Error | null, number],
    ];
    const resetSeconds = Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
    return {
      limit: perMinute,
      remaining: Math.max(0, perMinute - count),
      resetSeconds,
      retryAfterSeconds: count <= perMinute ? 0 : resetSeconds,
    };
  }

  /** Counts one request; returns seconds to wait when over `perMinute`, else 0. */
  async hit(keyId: string, perMinute: number, now = Date.now()): Promise<number> {
    return (await this.take(keyId, perMinute, now)).retryAfterSeconds;
  }
}
