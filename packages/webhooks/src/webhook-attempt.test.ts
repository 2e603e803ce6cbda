import { createGuardedDispatcher } from '@ingest/net-guard';
import { UnrecoverableError } from 'bullmq';
import { runWebhookAttempt, type AttemptDeps } from './webhook-attempt';
import type {
  AttemptResult,
  WebhookDeliveryRecord,
  WebhookDeliveryRepository,
} from './webhook-delivery-repository';
import type { WebhookEndpointRepository } from './webhook-endpoint-repository';

const delivery = (overrides: Partial<WebhookDeliveryRecord> = {}): WebhookDeliveryRecord => ({
  id: 'msg_1',
  tenant: 't',
  job_id: '00000000-0000-4000-8000-000000000001',
  target: 'endpoint',
  endpoint_id: '00000000-0000-4000-8000-000000000002',
  url: 'http://10.0.0.1:8080/hook',
  event: 'job.completed',
  body: '{}',
  status: 'pending',
  attempts: 0,
  created_at: new Date(),
  updated_at: new Date(),
  delivered_at: null,
  ...overrides,
});

/** Fakes for the two repositories: one delivery, an endpoint secret (or none), attempts recorded. */
function fakes(record: WebhookDeliveryRecord, secret: string | null | Error = 'whsec_c2VjcmV0') {
  const recorded: AttemptResult[] = [];
  const deps: AttemptDeps = {
    deliveries: {
      get: () => Promise.resolve(record),
      recordAttempt: (_id: string, result: AttemptResult) => {
        recorded.push(result);
        return Promise.resolve();
      },
    } as unknown as WebhookDeliveryRepository,
    endpoints: {
      signingSecret: () =>
        secret instanceof Error ? Promise.reject(secret) : Promise.resolve(secret),
    } as unknown as WebhookEndpointRepository,
    jobSecret: 'whsec_Z2xvYmFs',
    timeoutMs: 1000,
    // Nothing allowed: every address here is refused before any connection.
    dispatcher: createGuardedDispatcher([]),
  };
  return { deps, recorded };
}

describe('runWebhookAttempt', () => {
  it('sends nothing on a scheduled attempt of a delivered message', async () => {
    const { deps, recorded } = fakes(delivery({ status: 'delivered' }));
    await expect(
      runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, false, deps),
    ).resolves.toBe('skipped');
    expect(recorded).toEqual([]);
  });

  it('fails for good, logged, when the endpoint was deleted', async () => {
    const { deps, recorded } = fakes(delivery(), null);
    await expect(
      runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, false, deps),
    ).rejects.toBeInstanceOf(UnrecoverableError);
    expect(recorded).toMatchObject([{ outcome: 'failed', error: 'the endpoint was deleted' }]);
  });

  it('fails for good, logged, when the secret cannot be opened', async () => {
    const { deps, recorded } = fakes(delivery(), new Error('secret sealed with key abc'));
    await expect(
      runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, false, deps),
    ).rejects.toBeInstanceOf(UnrecoverableError);
    expect(recorded[0]?.error).toMatch(/cannot be decrypted/);
  });

  it('does not retry an address the SSRF guard refuses', async () => {
    const { deps, recorded } = fakes(delivery({ target: 'job', endpoint_id: null }));
    await expect(
      runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, false, deps),
    ).rejects.toBeInstanceOf(UnrecoverableError);
    expect(recorded).toMatchObject([{ outcome: 'failed', httpStatus: null, manual: false }]);
    expect(recorded[0]?.error).toMatch(/forbidden/);
  });
});
