import { createPool, migrate, type Pool } from '@ingest/postgres';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';
import {
  SecretBox,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
  type AttemptResult,
} from '@ingest/webhooks';
import { randomBytes, randomUUID } from 'node:crypto';

/** The webhook log and endpoint registry of @ingest/webhooks against the real Postgres. */
describe('webhook repositories', () => {
  let t: TestEnvironment;
  let pool: Pool;
  let endpoints: WebhookEndpointRepository;
  let deliveries: WebhookDeliveryRepository;
  const box = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    t = await createTestEnvironment();
    pool = createPool({
      connectionString: t.databaseUrl,
      applicationName: 'webhooks-test',
      max: 2,
    });
    await migrate(pool);
    endpoints = new WebhookEndpointRepository(pool, box);
    deliveries = new WebhookDeliveryRepository(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await t?.cleanup();
  });

  const newJob = async (tenant: string): Promise<string> => {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO ingest.jobs (id, tenant, status, table_name, object_key)
       VALUES ($1, $2, 'completed', 't', 'uploads/x')`,
      [id, tenant],
    );
    return id;
  };

  const attempt = (outcome: AttemptResult['outcome'], manual = false): AttemptResult => ({
    manual,
    attemptedAt: new Date(),
    durationMs: 12.4,
    httpStatus: outcome === 'delivered' ? 200 : 500,
    error: outcome === 'delivered' ? null : 'answered 500',
    outcome,
  });

  it('keeps an endpoint secret sealed, opens it for signing, and only within its tenant', async () => {
    const { endpoint, secret } = await endpoints.create({
      tenant: 'a',
      url: 'https://example.com/hook',
      events: ['job.completed'],
    });
    expect(secret).toMatch(/^whsec_/);
    const { rows } = await pool.query<{ secret_sealed: string }>(
      'SELECT secret_sealed FROM ingest.webhook_endpoints WHERE id = $1',
      [endpoint.id],
    );
    expect(rows[0]?.secret_sealed).not.toContain(secret.slice(6));
    expect(await endpoints.signingSecret(endpoint.id)).toBe(secret);
    expect(await endpoints.get('a', endpoint.id)).toEqual(endpoint);
    expect(await endpoints.get('b', endpoint.id)).toBeNull();
    expect(await endpoints.subscribedTo('a', 'job.completed')).toEqual([endpoint]);
    expect(await endpoints.subscribedTo('a', 'job.failed')).toEqual([]);
    expect(await endpoints.delete('b', endpoint.id)).toBe(false);
    expect(await endpoints.delete('a', endpoint.id)).toBe(true);
    expect(await endpoints.signingSecret(endpoint.id)).toBeNull();
  });

  it('records a delivery once, its attempts in order, and keeps `delivered` sticky', async () => {
    const jobId = await newJob('a');
    const delivery = {
      id: `msg_${randomUUID()}`,
      tenant: 'a',
      jobId,
      target: 'job' as const,
      endpointId: null,
      url: 'https://example.com/hook',
      event: 'job.completed' as const,
      body: '{"first":true}',
      firstAttemptInMs: 0,
    };
    await deliveries.create(delivery);
    await deliveries.create({ ...delivery, body: '{"second":true}' }); // a redelivered event
    expect((await deliveries.get(delivery.id))?.body).toBe('{"first":true}');

    await deliveries.recordAttempt(delivery.id, attempt('retrying'));
    expect((await deliveries.get(delivery.id))?.status).toBe('pending');
    await deliveries.recordAttempt(delivery.id, attempt('delivered'));
    await deliveries.recordAttempt(delivery.id, attempt('failed', true));
    const record = await deliveries.find('a', delivery.id);
    expect(record).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(record?.delivered_at).toBeInstanceOf(Date);
    expect(await deliveries.find('b', delivery.id)).toBeNull();

    const attempts = (await deliveries.attemptsOf([delivery.id])).get(delivery.id) ?? [];
    expect(attempts.map((a) => [a.number, a.manual, a.http_status, a.duration_ms])).toEqual([
      [1, false, 500, 12],
      [2, false, 200, 12],
      [3, true, 500, 12],
    ]);
  });

  it('marks a delivery failed when its last attempt fails, and lists per tenant and job', async () => {
    const jobId = await newJob('c');
    const id = `msg_${randomUUID()}`;
    await deliveries.create({
      id,
      tenant: 'c',
      jobId,
      target: 'job',
      endpointId: null,
      url: 'https://example.com/hook',
      event: 'job.failed',
      body: '{}',
      firstAttemptInMs: 0,
    });
    await deliveries.recordAttempt(id, attempt('failed'));
    expect((await deliveries.get(id))?.status).toBe('failed');
    expect((await deliveries.list('c', { jobId, limit: 10 })).map((d) => d.id)).toEqual([id]);
    expect(await deliveries.list('c', { jobId: await newJob('c'), limit: 10 })).toEqual([]);
    expect(await deliveries.list('a', { jobId, limit: 10 })).toEqual([]);
  });
});
