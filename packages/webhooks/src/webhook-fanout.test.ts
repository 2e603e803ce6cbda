import { webhookDeliveryId, webhookPayload } from './webhook-fanout';
import type { JobView } from '@ingest/contracts';

describe('webhookDeliveryId', () => {
  const job = '6f1c3d2e-0000-4000-8000-000000000001';

  it('is stable for one event and target, so a redelivered event maps onto the same delivery', () => {
    expect(webhookDeliveryId(job, 'job.completed', 'job')).toBe(
      webhookDeliveryId(job, 'job.completed', 'job'),
    );
    expect(webhookDeliveryId(job, 'job.completed', 'job')).toMatch(/^msg_[A-Za-z0-9_-]{27}$/);
  });

  it('differs per event and per target', () => {
    const ids = new Set([
      webhookDeliveryId(job, 'job.completed', 'job'),
      webhookDeliveryId(job, 'job.failed', 'job'),
      webhookDeliveryId(job, 'job.completed', 'endpoint:a'),
      webhookDeliveryId(job, 'job.completed', 'endpoint:b'),
    ]);
    expect(ids.size).toBe(4);
  });
});

describe('webhookPayload', () => {
  it('carries type, timestamp, the job view and links', () => {
    const data = { id: 'j1', status: 'completed' } as JobView;
    expect(
      webhookPayload(
        { type: 'job.completed', version: 1, jobId: 'j1', occurredAt: '2026-01-01T00:00:00Z' },
        data,
      ),
    ).toEqual({
      type: 'job.completed',
      timestamp: '2026-01-01T00:00:00Z',
      data,
      links: { self: '/v1/jobs/j1', rejects: '/v1/jobs/j1/rejects' },
    });
  });
});
