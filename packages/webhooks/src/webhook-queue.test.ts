import { scheduleBackoff, webhookQueueName } from './webhook-queue';

describe('scheduleBackoff', () => {
  it('waits schedule[n] after the n-th failed attempt', () => {
    const backoff = scheduleBackoff([0, 5000, 300000, 1800000]);
    expect([1, 2, 3].map(backoff)).toEqual([5000, 300000, 1800000]);
  });

  it('repeats the last delay past the end of the schedule', () => {
    expect(scheduleBackoff([0, 10])(7)).toBe(10);
  });
});

describe('webhookQueueName', () => {
  it('keeps BullMQ-safe characters only', () => {
    expect(webhookQueueName('t1:a.')).toBe('t1_a.webhooks');
  });
});
