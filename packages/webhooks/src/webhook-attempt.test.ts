import { createGuardedDispatcher, parseCidrs } from '@ingest/net-guard';
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
  scheduled_attempts: 0,
  next_attempt_at: new Date(),
  failure_reason: null,
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
        const status = result.outcome === 'retrying' ? record.status : result.outcome;
        return Promise.resolve({ status, scheduledAttempts: record.scheduled_attempts + 1 });
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
    schedule: [0, 100, 200],
  };
  return { deps, recorded };
}

describe('runWebhookAttempt', () => {
  it('sends nothing on a scheduled attempt of a delivered message', async () => {
    const { deps, recorded } = fakes(delivery({ status: 'delivered' }));
    await expect(runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, deps)).resolves.toEqual({
      kind: 'skipped',
    });
    expect(recorded).toEqual([]);
  });

  it('fails for good, logged, when the endpoint was deleted', async () => {
    const { deps, recorded } = fakes(delivery(), null);
    await expect(
      runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, deps),
    ).resolves.toMatchObject({ kind: 'failed' });
    expect(recorded).toMatchObject([{ outcome: 'failed', error: 'the endpoint was deleted' }]);
  });

  it('fails for good, logged, when the secret cannot be opened', async () => {
    const { deps, recorded } = fakes(delivery(), new Error('secret sealed with key abc'));
    await expect(
      runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, deps),
    ).resolves.toMatchObject({ kind: 'failed' });
    expect(recorded[0]?.error).toMatch(/cannot be decrypted/);
  });

  it('does not retry an address the SSRF guard refuses', async () => {
    const { deps, recorded } = fakes(delivery({ target: 'job', endpoint_id: null }));
    await expect(
      runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, deps),
    ).resolves.toMatchObject({ kind: 'failed' });
    expect(recorded).toMatchObject([{ outcome: 'failed', httpStatus: null, manual: false }]);
    expect(recorded[0]?.error).toMatch(/forbidden/);
  });
});

describe('runWebhookAttempt and the schedule', () => {
  /** A receiver that answers 503, through a dispatcher that allows loopback. */
  async function failingReceiver() {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { url: `http://127.0.0.1:${port}/hook`, close: () => server.close() };
  }

  it.each([
    ['the first', 0, { kind: 'retry', inMs: 100 }, 'retrying'],
    ['the second', 1, { kind: 'retry', inMs: 200 }, 'retrying'],
    ['the last', 2, { kind: 'failed' }, 'failed'],
  ] as const)(
    'after %s scheduled attempt fails: %j',
    async (_name, made, outcome, recordedOutcome) => {
      const receiver = await failingReceiver();
      try {
        const record = delivery({
          target: 'job',
          endpoint_id: null,
          url: receiver.url,
          scheduled_attempts: made,
        });
        const { deps, recorded } = fakes(record);
        deps.dispatcher = createGuardedDispatcher(parseCidrs('127.0.0.0/8'));
        const result = await runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, deps);
        expect(result).toMatchObject(outcome);
        expect(recorded).toMatchObject([{ outcome: recordedOutcome, httpStatus: 503 }]);
        if (recordedOutcome === 'failed') {
          expect(recorded[0]?.failureReason).toMatch(/^gave up after 3 scheduled attempts: .*503/);
        } else {
          expect(recorded[0]?.retryInMs).toBe(outcome.kind === 'retry' ? outcome.inMs : -1);
        }
      } finally {
        receiver.close();
      }
    },
  );

  it('a failed hand-made attempt leaves the schedule as it was', async () => {
    const receiver = await failingReceiver();
    try {
      const { deps, recorded } = fakes(
        delivery({ target: 'job', endpoint_id: null, url: receiver.url }),
      );
      deps.dispatcher = createGuardedDispatcher(parseCidrs('127.0.0.0/8'));
      const result = await runWebhookAttempt({ deliveryId: 'msg_1', manual: true }, deps);
      expect(result).toMatchObject({ kind: 'failed' });
      expect(recorded).toMatchObject([{ outcome: 'retrying', manual: true, httpStatus: 503 }]);
      expect(recorded[0]?.retryInMs).toBeUndefined();
    } finally {
      receiver.close();
    }
  });

  it('sends nothing on a scheduled attempt of a failed delivery', async () => {
    const { deps, recorded } = fakes(delivery({ status: 'failed' }));
    await expect(runWebhookAttempt({ deliveryId: 'msg_1', manual: false }, deps)).resolves.toEqual({
      kind: 'skipped',
    });
    expect(recorded).toEqual([]);
  });
});
