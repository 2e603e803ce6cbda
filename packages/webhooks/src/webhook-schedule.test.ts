import { nextAttemptDelay, scheduleBackoff } from './webhook-schedule';

describe('nextAttemptDelay', () => {
  it('waits schedule[n] after n scheduled attempts, and nothing once the schedule ran out', () => {
    const schedule = [0, 5000, 300000];
    expect([0, 1, 2, 3, 7].map((n) => nextAttemptDelay(schedule, n))).toEqual([
      0,
      5000,
      300000,
      null,
      null,
    ]);
  });
});

describe('scheduleBackoff', () => {
  it('waits schedule[n] after the n-th failed attempt', () => {
    const backoff = scheduleBackoff([0, 5000, 300000, 1800000]);
    expect([1, 2, 3].map(backoff)).toEqual([5000, 300000, 1800000]);
  });

  it('repeats the last delay past the end of the schedule', () => {
    expect(scheduleBackoff([0, 10])(7)).toBe(10);
  });
});
