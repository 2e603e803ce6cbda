/**
 * A webhook's retry schedule lives in Postgres; Redis (BullMQ) only caches it. Redis here runs
 * without persistence, so a restart loses every delayed job: the retry must still be sent,
 * exactly once, with two notifier replicas sweeping at the same time.
 */
import type { JobView } from '@ingest/contracts';
import {
  authorizedFetch,
  startPrivateRedis,
  useTestSystem,
  waitForJob,
  WebhookReceiver,
  type PrivateRedis,
} from '@ingest/testing';
import { webhookQueueName } from '@ingest/webhooks';
import { Queue } from 'bullmq';

interface DeliveryView {
  id: string;
  status: 'pending' | 'delivered' | 'failed';
  endpoint_id: string | null;
  next_attempt_at: string | null;
  failure_reason: string | null;
  created_at: string;
  attempts: { number: number; http_status: number | null }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The retry comes 4 s after the first attempt: time enough to restart Redis in between. */
const RETRY_AFTER_MS = 4000;

describe('webhook retries survive a Redis restart', () => {
  let redis: PrivateRedis;
  const ctx = useTestSystem(
    async () => {
      redis = await startPrivateRedis();
      return {
        REDIS_URL: redis.url,
        NOTIFIER_SCHEDULE_MS: `0,${RETRY_AFTER_MS},${RETRY_AFTER_MS}`,
        NOTIFIER_SWEEP_INTERVAL_MS: '200',
      };
    },
    { loaders: 1 },
  );
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    // A second notifier replica: both sweep, neither may queue the lost retry a second time.
    await ctx.startAnother({ loaders: 0, splitter: false, notifier: true });
  });

  afterAll(async () => {
    for (const r of receivers) await r.stop();
    await redis?.stop();
  });

  const receiver = async (failFirst: number) => {
    const r = new WebhookReceiver(failFirst);
    receivers.push(r);
    await r.start();
    return r;
  };

  const runJob = async (key: string, table: string, webhookUrl?: string): Promise<JobView> => {
    const hook = webhookUrl ? `&webhook_url=${encodeURIComponent(webhookUrl)}` : '';
    const res = await authorizedFetch(
      ctx.system.baseUrl,
      key,
      `/v1/jobs/raw?table=${table}${hook}`,
      {
        method: 'PUT',
        body: 'id,name\n1,Ada\n2,Grace\n',
      },
    );
    // With the body: a refusal names its code (a 503 says which server was unreachable).
    const body = await res.text();
    expect({ status: res.status, body }).toMatchObject({ status: 202 });
    const { id } = JSON.parse(body) as JobView;
    return waitForJob(ctx.system.baseUrl, key, id, 60_000);
  };

  const deliveriesOf = async (key: string, jobId: string): Promise<DeliveryView[]> => {
    const res = await authorizedFetch(
      ctx.system.baseUrl,
      key,
      `/v1/webhooks/deliveries?job=${jobId}`,
    );
    expect(res.status).toBe(200);
    return ((await res.json()) as { deliveries: DeliveryView[] }).deliveries;
  };

  /** The delivery once its first attempt is logged and its retry scheduled. */
  const firstAttemptFailed = (key: string, jobId: string) =>
    until('the first attempt to fail', async () => {
      const [d] = await deliveriesOf(key, jobId);
      // The log reads the delivery and its attempts apart: wait for both to show the attempt.
      const scheduled = Date.parse(d?.next_attempt_at ?? '') > Date.parse(d?.created_at ?? '');
      return d?.attempts.length === 1 && scheduled ? d : undefined;
    });

  it('sends a retry that was pending across the restart exactly once', async () => {
    const key = ctx.system.apiKey;
    const hooks = await receiver(1); // 503 to the first attempt, 204 after
    const job = await runJob(key, 'hook_restart', hooks.url);

    const pending = await firstAttemptFailed(key, job.id);
    expect(pending.status).toBe('pending');
    expect(pending.attempts[0]?.http_status).toBe(503);
    const dueAt = Date.parse(pending.next_attempt_at ?? '');
    expect(dueAt).toBeGreaterThan(Date.now());

    const queue = new Queue(webhookQueueName(ctx.t.env.QUEUE_PREFIX ?? ''), {
      connection: { url: redis.url, maxRetriesPerRequest: null },
    });
    try {
      expect(await queue.getJobState(pending.id)).toBe('delayed');
      await redis.restart();
      // The delayed retry is gone with Redis; only Postgres still knows it is due.
      expect(await queue.getJobState(pending.id)).toBe('unknown');
      expect(Date.now()).toBeLessThan(dueAt);
    } finally {
      await queue.close();
    }

    await hooks.waitFor(1, 30_000);
    // Several sweeps of both replicas later, still one delivery.
    await sleep(1500);
    const byId = hooks.requests.filter((r) => r.headers['webhook-id'] === pending.id);
    expect(byId.map((r) => r.status)).toEqual([503, 204]);
    expect(hooks.received).toHaveLength(1);

    const [delivered] = await deliveriesOf(key, job.id);
    expect(delivered).toMatchObject({
      id: pending.id,
      status: 'delivered',
      next_attempt_at: null,
      failure_reason: null,
    });
    expect(delivered?.attempts.map((a) => a.http_status)).toEqual([503, 204]);
  });

  it('ends a pending delivery whose endpoint was deleted meanwhile: failed, with the reason', async () => {
    const key = await ctx.system.createApiKey('deleted-endpoint');
    const hooks = await receiver(100); // always 503
    const res = await authorizedFetch(ctx.system.baseUrl, key, '/v1/webhooks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: hooks.url }),
    });
    expect(res.status).toBe(201);
    const endpoint = (await res.json()) as { id: string };
    const job = await runJob(key, 'hook_deleted');

    const pending = await firstAttemptFailed(key, job.id);
    expect(pending).toMatchObject({ status: 'pending', endpoint_id: endpoint.id });

    const deleted = await authorizedFetch(ctx.system.baseUrl, key, `/v1/webhooks/${endpoint.id}`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(204);
    const [ended] = await deliveriesOf(key, job.id);
    expect(ended).toMatchObject({
      id: pending.id,
      status: 'failed',
      endpoint_id: null,
      next_attempt_at: null,
      failure_reason: 'the endpoint was deleted',
    });

    // The retry that was due sends nothing.
    await sleep(RETRY_AFTER_MS + 1000);
    expect(hooks.requests).toHaveLength(1);
    const [after] = await deliveriesOf(key, job.id);
    expect(after?.attempts).toHaveLength(1);
    expect(after?.status).toBe('failed');
  });
});
