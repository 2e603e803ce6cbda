import { errors } from './app-error';
import { retryWhileRetryable } from './retry';

describe('retryWhileRetryable', () => {
  const connectionLost = () => new Error('Connection terminated unexpectedly');

  it('retries retryable failures until the call succeeds', async () => {
    let calls = 0;
    const result = await retryWhileRetryable(
      () => {
        calls++;
        return calls < 3 ? Promise.reject(connectionLost()) : Promise.resolve('ok');
      },
      { budgetMs: 5000, initialDelayMs: 1 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('throws a permanent failure at once', async () => {
    let calls = 0;
    await expect(
      retryWhileRetryable(
        () => {
          calls++;
          return Promise.reject(errors.emptyFile());
        },
        { budgetMs: 5000, initialDelayMs: 1 },
      ),
    ).rejects.toMatchObject({ code: 'EMPTY_FILE' });
    expect(calls).toBe(1);
  });

  it('gives up with the last error once the budget is spent', async () => {
    let calls = 0;
    await expect(
      retryWhileRetryable(
        () => {
          calls++;
          return Promise.reject(connectionLost());
        },
        { budgetMs: 50, initialDelayMs: 10, maxDelayMs: 10 },
      ),
    ).rejects.toThrow('Connection terminated');
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(10);
  });
});
