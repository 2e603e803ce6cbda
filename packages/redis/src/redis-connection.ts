import { Redis } from 'ioredis';

export type { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  /**
   * Attempts per command while the server is unreachable. `null` waits for it to
   * come back (BullMQ's blocking commands need that); a small number fails fast.
   */
  maxRetriesPerRequest: number | null;
  /** Connection errors go here instead of crashing the process. Default: ignored. */
  onError?: (error: Error) => void;
}

/**
 * A Redis connection that never crashes its process: ioredis reconnects by
 * itself, and the command in flight fails (or waits) as the options say.
 */
export function connectRedis(url: string, options: RedisConnectionOptions): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: options.maxRetriesPerRequest });
  redis.on('error', options.onError ?? (() => undefined));
  return redis;
}
