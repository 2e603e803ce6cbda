import type { JobView } from '@ingest/contracts';
import {
  authorizedFetch,
  useTestSystem,
  waitForJob,
  WebhookReceiver,
  type ReceivedWebhook,
} from '@ingest/testing';
import { Webhook } from 'standardwebhooks';

/** The development WEBHOOK_SECRET (job-level `webhook_url` deliveries are signed with it). */
const GLOBAL_SECRET = 'whsec_ZGV2ZWxvcG1lbnQtb25seS13ZWJob29rLXNlY3JldA==';

interface EndpointCreated {
  id: string;
  url: string;
  events: string[];
  secret: string;
  created_at: string;
}

interface DeliveryView {
  id: string;
  job_id: string;
  event: string;
  target: 'job' | 'endpoint';
  endpoint_id: string | null;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  next_attempt_at: string | null;
  failure_reason: string | null;
  attempts: {
    number: number;
    manual: boolean;
    attempted_at: string;
    duration_ms: number;
    http_status: number | null;
    error: string | null;
  }[];
}

interface EventBody {
  type: string;
  timestamp: string;
  data: JobView;
  links: { self: string; rejects: string };
}

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string } }).error;

const headersOf = (hook: ReceivedWebhook): Record<string, string> =>
  Object.fromEntries(Object.entries(hook.headers).map(([k, v]) => [k, String(v)]));

/** Verifies with the independent `standardwebhooks` implementation; throws if invalid. */
const verify = (secret: string, hook: ReceivedWebhook): EventBody =>
  new Webhook(secret).verify(hook.body, headersOf(hook)) as EventBody;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('webhooks: registered endpoints, delivery log, retries, redelivery', () => {
  const ctx = useTestSystem(
    // Six attempts within about 4.5 s: now, then 0.3, 0.6, 0.9, 1.2, 1.5 s after each failure.
    { NOTIFIER_SCHEDULE_MS: '0,300,600,900,1200,1500' },
    { loaders: 1 },
  );
  const receivers: WebhookReceiver[] = [];

  afterAll(async () => {
    for (const r of receivers) await r.stop();
  });

  const receiver = async (failFirst = 0) => {
    const r = new WebhookReceiver(failFirst);
    receivers.push(r);
    await r.start();
    return r;
  };

  /** A tenant of its own per test, so endpoints of one test never see another's jobs. */
  const tenant = async (name: string) => {
    const key = await ctx.system.createApiKey(name);
    const call = (path: string, init?: RequestInit) =>
      authorizedFetch(ctx.system.baseUrl, key, path, init);
    const json = (method: string, path: string, body: unknown) =>
      call(path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    return {
      call,
      json,
      async register(url: string, events?: string[]): Promise<EndpointCreated> {
        const res = await json('POST', '/v1/webhooks', events ? { url, events } : { url });
        expect(res.status).toBe(201);
        return (await res.json()) as EndpointCreated;
      },
      /** Uploads a small CSV and waits for the job to end. */
      async runJob(table: string, webhookUrl?: string): Promise<JobView> {
        const hook = webhookUrl ? `&webhook_url=${encodeURIComponent(webhookUrl)}` : '';
        const res = await call(`/v1/jobs/raw?table=${table}${hook}`, {
          method: 'PUT',
          body: 'id,name\n1,Ada\n2,Grace\n',
        });
        expect(res.status).toBe(202);
        const { id } = (await res.json()) as JobView;
        return waitForJob(ctx.system.baseUrl, key, id, 60_000);
      },
      async deliveries(jobId: string): Promise<DeliveryView[]> {
        const res = await call(`/v1/webhooks/deliveries?job=${jobId}`);
        expect(res.status).toBe(200);
        return ((await res.json()) as { deliveries: DeliveryView[] }).deliveries;
      },
    };
  };

  it('registers an endpoint: 201 with a whsec_ secret shown once, stored encrypted', async () => {
    const a = await tenant('register');
    const created = await a.register('http://127.0.0.1:8999/hook', ['job.failed', 'job.completed']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    // Canonical order, whatever order was asked for.
    expect(created.events).toEqual(['job.completed', 'job.failed']);

    const one = await a.call(`/v1/webhooks/${created.id}`);
    expect(one.status).toBe(200);
    const shown = (await one.json()) as Record<string, unknown>;
    expect(shown).toEqual({
      id: created.id,
      url: created.url,
      events: created.events,
      created_at: created.created_at,
    });
    const list = (await (await a.call('/v1/webhooks')).json()) as { webhooks: object[] };
    expect(list.webhooks).toEqual([shown]);

    // Default: every event.
    const all = await a.register('http://127.0.0.1:8999/other');
    expect(all.events).toEqual(['job.completed', 'job.failed', 'job.cancelled']);

    const db = await ctx.t.db();
    try {
      const { rows } = await db.query<{ secret_sealed: string }>(
        'SELECT secret_sealed FROM ingest.webhook_endpoints WHERE id = $1',
        [created.id],
      );
      const sealed = rows[0]?.secret_sealed ?? '';
      expect(sealed).toMatch(/^v1\./);
      expect(sealed).not.toContain(created.secret.slice(6));
    } finally {
      await db.end();
    }

    expect((await a.call(`/v1/webhooks/${all.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await a.call(`/v1/webhooks/${all.id}`)).status).toBe(404);
    expect((await a.call(`/v1/webhooks/${all.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses forbidden URLs (400 WEBHOOK_URL_FORBIDDEN) and malformed bodies (400)', async () => {
    const a = await tenant('refusals');
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1/hook',
      'http://[::ffff:192.168.0.1]/',
      'ftp://example.com/',
      'http://user:pw@127.0.0.1/',
    ]) {
      const res = await a.json('POST', '/v1/webhooks', { url });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect((await errorOf(res)).code).toBe('WEBHOOK_URL_FORBIDDEN');
    }
    const bad: [string, RequestInit][] = [
      ['unknown event', { body: JSON.stringify({ url: 'http://127.0.0.1/', events: ['x'] }) }],
      ['no events', { body: JSON.stringify({ url: 'http://127.0.0.1/', events: [] }) }],
      ['unknown field', { body: JSON.stringify({ url: 'http://127.0.0.1/', secret: 'mine' }) }],
      ['no url', { body: '{}' }],
      ['malformed JSON', { body: '{"url":' }],
    ];
    for (const [name, init] of bad) {
      const res = await a.call('/v1/webhooks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        ...init,
      });
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
      expect((await errorOf(res)).code).toBe('VALIDATION_FAILED');
    }
    const notJson = await a.call('/v1/webhooks', { method: 'POST', body: 'url=x' });
    expect(notJson.status).toBe(400);
    const list = (await (await a.call('/v1/webhooks')).json()) as { webhooks: object[] };
    expect(list.webhooks).toEqual([]);
  });

  it('receiver down, then up: exactly one successful delivery, one webhook-id on every attempt, signature valid', async () => {
    const a = await tenant('down-then-up');
    const down = await receiver(1); // once up, it answers 503 once more, then 204
    await down.stop();
    const job = await a.runJob('hook_down_up', down.url);
    expect(job.status).toBe('completed');

    // Connection refused at least twice (logged, with no HTTP status), then bring it up.
    await until('two refused attempts', async () => {
      const [d] = await a.deliveries(job.id);
      return d && d.attempts.length >= 2 ? d : undefined;
    });
    await down.start();
    const [hook] = await down.waitFor(1);
    await sleep(2500); // longer than any remaining backoff: nothing more may arrive
    expect(down.received).toHaveLength(1);
    expect(down.requests.map((r) => r.status)).toEqual([503, 204]);

    const body = verify(GLOBAL_SECRET, hook as ReceivedWebhook);
    expect(body).toMatchObject({
      type: 'job.completed',
      data: { id: job.id, status: 'completed', rows: { loaded: 2, rejected: 0 } },
      links: { self: `/v1/jobs/${job.id}`, rejects: `/v1/jobs/${job.id}/rejects` },
    });

    const [delivery, ...others] = await a.deliveries(job.id);
    expect(others).toEqual([]);
    const ids = new Set(down.requests.map((r) => r.headers['webhook-id']));
    expect([...ids]).toEqual([delivery?.id]);
    expect(delivery).toMatchObject({ target: 'job', event: 'job.completed', status: 'delivered' });
    const attempts = delivery?.attempts ?? [];
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    expect(attempts.map((x) => x.number)).toEqual(attempts.map((_, i) => i + 1));
    expect(attempts.slice(-2).map((x) => x.http_status)).toEqual([503, 204]);
    for (const refused of attempts.slice(0, -2)) {
      expect(refused.http_status).toBeNull();
      expect(refused.error).toMatch(/ECONNREFUSED/);
    }
  });

  it('a registered endpoint gets job.completed signed with its own secret; the events filter holds', async () => {
    const a = await tenant('endpoints');
    const all = await receiver();
    const failedOnly = await receiver();
    const jobHook = await receiver();
    const endpoint = await a.register(all.url);
    const filtered = await a.register(failedOnly.url, ['job.failed']);

    const job = await a.runJob('hook_endpoints', jobHook.url);
    const [hook] = await all.waitFor(1);
    const [ownHook] = await jobHook.waitFor(1);

    const body = verify(endpoint.secret, hook as ReceivedWebhook);
    expect(body).toMatchObject({ type: 'job.completed', data: { id: job.id } });
    // Each target is signed with its own secret, never another's.
    expect(() => verify(GLOBAL_SECRET, hook as ReceivedWebhook)).toThrow();
    expect(() => verify(endpoint.secret, ownHook as ReceivedWebhook)).toThrow();
    verify(GLOBAL_SECRET, ownHook as ReceivedWebhook);
    // The same message to both targets, but each its own webhook-id.
    expect(hook?.body).toBe(ownHook?.body);
    expect(hook?.headers['webhook-id']).not.toBe(ownHook?.headers['webhook-id']);

    await sleep(1000);
    expect(failedOnly.requests).toEqual([]);
    const deliveries = await a.deliveries(job.id);
    expect(deliveries.map((d) => [d.target, d.endpoint_id, d.status]).sort()).toEqual(
      [
        ['endpoint', endpoint.id, 'delivered'],
        ['job', null, 'delivered'],
      ].sort(),
    );
    expect(deliveries.some((d) => d.endpoint_id === filtered.id)).toBe(false);

    // A deleted endpoint gets nothing more; its delivery log stays.
    expect((await a.call(`/v1/webhooks/${endpoint.id}`, { method: 'DELETE' })).status).toBe(204);
    const second = await a.runJob('hook_endpoints');
    await sleep(1000);
    expect(all.requests).toHaveLength(1);
    expect(await a.deliveries(second.id)).toEqual([]);
    expect(await a.deliveries(job.id)).toHaveLength(2);
  });

  it('logs every attempt with its status; redeliver re-sends with the same webhook-id', async () => {
    const a = await tenant('redeliver');
    const hooks = await receiver(100); // always 503 for now
    const endpoint = await a.register(hooks.url);
    const job = await a.runJob('hook_redeliver');

    const failed = await until('the schedule to run out', async () => {
      const [d] = await a.deliveries(job.id);
      return d?.status === 'failed' ? d : undefined;
    });
    expect(failed.endpoint_id).toBe(endpoint.id);
    expect(failed.failure_reason).toMatch(/^gave up after 6 scheduled attempts: .*503/);
    expect(failed.next_attempt_at).toBeNull();
    expect(failed.attempts.map((x) => x.http_status)).toEqual([503, 503, 503, 503, 503, 503]);
    expect(failed.attempts.every((x) => !x.manual && x.error?.includes('503'))).toBe(true);
    expect(hooks.requests).toHaveLength(6);

    hooks.failFirst = 0; // the receiver is fixed
    const res = await a.call(`/v1/webhooks/deliveries/${failed.id}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(((await res.json()) as DeliveryView).id).toBe(failed.id);
    const [hook] = await hooks.waitFor(1);
    verify(endpoint.secret, hook as ReceivedWebhook);

    const delivered = await until('the redelivery to be logged', async () => {
      const res = await a.call(`/v1/webhooks/deliveries/${failed.id}`);
      const d = (await res.json()) as DeliveryView;
      return d.status === 'delivered' ? d : undefined;
    });
    expect(delivered.attempts).toHaveLength(7);
    expect(delivered.attempts[6]).toMatchObject({ number: 7, manual: true, http_status: 204 });

    // Again, by hand, on a delivered message: a new attempt, the same webhook-id.
    const again = await a.call(`/v1/webhooks/deliveries/${failed.id}/redeliver`, {
      method: 'POST',
    });
    expect(again.status).toBe(202);
    await hooks.waitFor(2);
    const ids = new Set(hooks.requests.map((r) => r.headers['webhook-id']));
    expect([...ids]).toEqual([failed.id]);
    expect(hooks.requests).toHaveLength(8);
    verify(endpoint.secret, hooks.received[1] as ReceivedWebhook);
  });

  it('shows another tenant nothing: 404 on every webhook route, no fan-out across tenants', async () => {
    const owner = await tenant('owner');
    const other = await tenant('intruder');
    const ownerHooks = await receiver();
    const otherHooks = await receiver();
    const endpoint = await owner.register(ownerHooks.url);
    await other.register(otherHooks.url);

    const job = await owner.runJob('hook_isolation');
    await ownerHooks.waitFor(1);
    const [delivery] = await owner.deliveries(job.id);
    expect(delivery?.endpoint_id).toBe(endpoint.id);

    for (const [method, path, code] of [
      ['GET', `/v1/webhooks/${endpoint.id}`, 'WEBHOOK_NOT_FOUND'],
      ['DELETE', `/v1/webhooks/${endpoint.id}`, 'WEBHOOK_NOT_FOUND'],
      ['GET', `/v1/webhooks/deliveries?job=${job.id}`, 'JOB_NOT_FOUND'],
      ['GET', `/v1/webhooks/deliveries/${delivery?.id}`, 'WEBHOOK_DELIVERY_NOT_FOUND'],
      ['POST', `/v1/webhooks/deliveries/${delivery?.id}/redeliver`, 'WEBHOOK_DELIVERY_NOT_FOUND'],
    ] as const) {
      const res = await other.call(path, { method });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect((await errorOf(res)).code).toBe(code);
    }
    const theirList = (await (await other.call('/v1/webhooks')).json()) as {
      webhooks: { id: string }[];
    };
    expect(theirList.webhooks.map((w) => w.id)).not.toContain(endpoint.id);
    const theirLog = (await (await other.call('/v1/webhooks/deliveries')).json()) as {
      deliveries: DeliveryView[];
    };
    expect(theirLog.deliveries).toEqual([]);

    await sleep(1000);
    expect(otherHooks.requests).toEqual([]); // the owner's job never reaches the other tenant
    expect(ownerHooks.requests).toHaveLength(1); // and the refused redelivery sent nothing
    expect((await owner.call(`/v1/webhooks/${endpoint.id}`)).status).toBe(200);
  });
});
