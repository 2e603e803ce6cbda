import { createHmac } from 'node:crypto';
import { signWebhook, webhookHeaders } from './webhook-signature';

describe('signWebhook', () => {
  const secret = 'whsec_' + Buffer.from('test-secret-key').toString('base64');

  it('signs id.timestamp.body with the decoded secret', () => {
    const expected = createHmac('sha256', Buffer.from('test-secret-key'))
      .update('msg_1.1700000000.{"a":1}')
      .digest('base64');
    expect(signWebhook(secret, 'msg_1', 1700000000, '{"a":1}')).toBe(`v1,${expected}`);
  });

  it('changes when any signed part changes', () => {
    const base = signWebhook(secret, 'id', 1, 'body');
    expect(signWebhook(secret, 'id2', 1, 'body')).not.toBe(base);
    expect(signWebhook(secret, 'id', 2, 'body')).not.toBe(base);
    expect(signWebhook(secret, 'id', 1, 'body!')).not.toBe(base);
  });

  it('puts the timestamp in seconds into the headers', () => {
    const h = webhookHeaders(secret, 'id', '{}', new Date(1700000000123));
    expect(h['webhook-timestamp']).toBe('1700000000');
    expect(h['webhook-signature']).toBe(signWebhook(secret, 'id', 1700000000, '{}'));
  });
});
