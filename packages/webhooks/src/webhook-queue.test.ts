import { webhookQueueName } from './webhook-queue';

describe('webhookQueueName', () => {
  it('keeps BullMQ-safe characters only', () => {
    expect(webhookQueueName('t1:a.')).toBe('t1_a.webhooks');
  });
});
