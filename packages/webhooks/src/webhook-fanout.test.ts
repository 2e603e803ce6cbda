import type { JobView } from '@ingest/contracts';
import type { NewWebhookDelivery, WebhookDeliveryRepository } from './webhook-delivery-repository';
import type { WebhookEndpointRepository } from './webhook-endpoint-repository';
import {
  fanOutEvent,
  webhookDeliveryId,
  webhookPayload,
  type FanOutDeps,
  type JobSnapshot,
} from './webhook-fanout';

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

describe('fanOutEvent', () => {
  const event = {
    type: 'job.completed',
    version: 1,
    jobId: 'j1',
    occurredAt: '2026-01-01T00:00:00Z',
  } as const;
  const view = { id: 'j1', status: 'completed' } as JobView;

  /** Fakes: one job (or none), the tenant's subscribed endpoints, deliveries recorded. */
  function fakes(job: JobSnapshot | null, endpointIds: string[]) {
    const created: NewWebhookDelivery[] = [];
    const deps: FanOutDeps = {
      findJob: () => Promise.resolve(job),
      endpoints: {
        subscribedTo: () =>
          Promise.resolve(endpointIds.map((id) => ({ id, url: `http://example.com/${id}` }))),
      } as unknown as WebhookEndpointRepository,
      deliveries: {
        create: (d: NewWebhookDelivery) => {
          created.push(d);
          return Promise.resolve();
        },
      } as unknown as WebhookDeliveryRepository,
      firstAttemptInMs: 250,
    };
    return { deps, created };
  }

  it('records one delivery for the job URL and one per subscribed endpoint, same body', async () => {
    const job = { tenant: 't1', webhookUrl: 'http://example.com/job', view };
    const { deps, created } = fakes(job, ['e1', 'e2']);
    const ids = await fanOutEvent(event, deps);
    expect(created.map((d) => [d.target, d.endpointId, d.url])).toEqual([
      ['job', null, 'http://example.com/job'],
      ['endpoint', 'e1', 'http://example.com/e1'],
      ['endpoint', 'e2', 'http://example.com/e2'],
    ]);
    expect(ids).toEqual([
      webhookDeliveryId('j1', 'job.completed', 'job'),
      webhookDeliveryId('j1', 'job.completed', 'endpoint:e1'),
      webhookDeliveryId('j1', 'job.completed', 'endpoint:e2'),
    ]);
    expect(new Set(created.map((d) => d.body))).toEqual(
      new Set([JSON.stringify(webhookPayload(event, view))]),
    );
    expect(created.every((d) => d.tenant === 't1' && d.jobId === 'j1')).toBe(true);
    expect(created.every((d) => d.firstAttemptInMs === 250)).toBe(true);
  });

  it('records only endpoints when the job has no URL of its own', async () => {
    const { deps, created } = fakes({ tenant: 't1', webhookUrl: null, view }, ['e1']);
    expect(await fanOutEvent(event, deps)).toHaveLength(1);
    expect(created[0]?.target).toBe('endpoint');
  });

  it('records nothing for a job that is gone', async () => {
    const { deps, created } = fakes(null, ['e1']);
    expect(await fanOutEvent(event, deps)).toEqual([]);
    expect(created).toEqual([]);
  });
});
