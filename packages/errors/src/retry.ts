import { classifyFailure } from './failure-class';

export interface RetryOptions {
  /** Give up once this much time has passed (the last error is thrown). */
  budgetMs: number;
  /** First wait; it doubles up to `maxDelayMs`. Default 250 ms. */
  initialDelayMs?: number;
  /** Default 5 s. */
  maxDelayMs?: number;
}

/**
 * Runs `fn` again while it fails with a retryable error (see classifyFailure)
 * and the budget lasts — for short, idempotent steps such as one statement
 * across a database failover. Permanent errors are thrown at once.
 */
export async function retryWhileRetryable<T>(
  fn: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const started = Date.now();
  let delay = options.initialDelayMs ?? 250;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      const spent = Date.now() - started;
      if (classifyFailure(e) !== 'retryable' || spent + delay > options.budgetMs) throw e;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
}
