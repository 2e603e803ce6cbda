/**
 * A delivery's schedule in Postgres (ingest.webhook_deliveries.next_attempt_at) and the BullMQ
 * jobs that cache it, against the real Postgres and Redis: every state change of the schedule,
 * the upgrade of rows recorded before it existed, and the scheduler's re-queueing.
 */
import { createPool, migrate, readMigrationFiles, type Pool } from '@ingest/postgres';
import { createLogger } from '@ingest/config';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';
import {
  SecretBox,
  WebhookDeliveryRepository,
  WebhookEndpointRepository,
  WebhookQueue,
  WebhookScheduler,
  webhookQueueName,
  type AttemptResult,
} from '@ingest/webhooks';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';

async function until(probe: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook schedule', () => {
  let t: TestEnvironment;
  let pool: Pool;
  let deliveries: WebhookDeliveryRepository;
  let endpoints: WebhookEndpointRepository;
  const logger = createLogger('webhook-schedule-test', 'silent');

  beforeAll(async () => {
    t = await createTestEnvironment();
    pool = createPool({
      connectionString: t.databaseUrl,
      applicationName: 'schedule-test',
      max: 4,
    });
    await migrate(pool);
    deliveries = new WebhookDeliveryRepository(pool);
    endpoints = new WebhookEndpointRepository(pool, new SecretBox(randomBytes(32)));
  });

  afterAll(async () => {
    await pool?.end();
    await t?.cleanup();
  });

  const newJob = async (): Promise<string> => {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO ingest.jobs (id, tenant, status, table_name, object_key)
       VALUES ($1, 'a', 'completed', 't', 'uploads/x')`,
      [id],
    );
    return id;
  };

  const newDelivery = async (firstAttemptInMs: number, endpointId: string | null = null) => {
    const id = `msg_${randomUUID()}`;
    await deliveries.create({
      id,
      tenant: 'a',
      jobId: await newJob(),
      target: endpointId ? 'endpoint' : 'job',
      endpointId,
      url: 'https://example.com/hook',
      event: 'job.completed',
      body: '{}',
      firstAttemptInMs,
    });
    return id;
  };

  const failure = (extra: Partial<AttemptResult> = {}): AttemptResult => ({
    manual: false,
    attemptedAt: new Date(),
    durationMs: 5,
    httpStatus: 503,
    error: 'answered 503',
    outcome: 'retrying',
    ...extra,
  });

  /** Seconds from the database's now() to the delivery's next attempt. */
  const dueInSeconds = async (id: string) => {
    const { rows } = await pool.query<{ s: number | null }>(
      `SELECT extract(epoch FROM next_attempt_at - now())::float8 AS s
       FROM ingest.webhook_deliveries WHERE id = $1`,
      [id],
    );
    return rows[0]?.s ?? null;
  };

  it('backfills deliveries recorded before the schedule lived in Postgres', async () => {
    const old = await createTestEnvironment();
    const db = createPool({
      connectionString: old.databaseUrl,
      applicationName: 'backfill',
      max: 1,
    });
    try {
      // The database as it was before the schedule moved into Postgres.
      const files = readMigrationFiles();
      const schedule = files.find((f) => f.name === 'webhook_schedule')?.number ?? 0;
      await migrate(db, { files: files.filter((f) => f.number < schedule) });
      const jobId = randomUUID();
      await db.query(
        `INSERT INTO ingest.jobs (id, tenant, status, table_name, object_key)
         VALUES ('${jobId}', 'a', 'completed', 't', 'k');
         INSERT INTO ingest.webhook_deliveries
           (id, tenant, job_id, target, url, event, body, status, attempts)
         VALUES ('msg_pending', 'a', '${jobId}', 'job', 'https://x/h', 'job.completed', '{}', 'pending', 3),
                ('msg_failed', 'a', '${jobId}', 'job', 'https://x/h', 'job.failed', '{}', 'failed', 2);
         INSERT INTO ingest.webhook_attempts
           (delivery_id, number, manual, attempted_at, duration_ms, error)
         VALUES ('msg_pending', 1, false, now(), 1, 'e1'), ('msg_pending', 2, true, now(), 1, 'e2'),
                ('msg_pending', 3, false, now(), 1, 'e3'),
                ('msg_failed', 1, false, now(), 1, 'first'), ('msg_failed', 2, false, now(), 1, 'last')`,
      );
      await migrate(db);
      const upgraded = new WebhookDeliveryRepository(db);
      expect(await upgraded.get('msg_pending')).toMatchObject({
        status: 'pending',
        scheduled_attempts: 2, // the manual attempt is not part of the schedule
        failure_reason: null,
      });
      // Its queued retry may be gone with Redis: due at once.
      expect((await upgraded.due(100)).map((d) => d.id)).toEqual(['msg_pending']);
      expect(await upgraded.get('msg_failed')).toMatchObject({
        status: 'failed',
        scheduled_attempts: 2,
        next_attempt_at: null,
        failure_reason: 'last',
      });
    } finally {
      await db.end();
      await old.cleanup();
    }
  });

  it('keeps the next attempt in step with every attempt recorded', async () => {
    const id = await newDelivery(60_000);
    expect(await dueInSeconds(id)).toBeCloseTo(60, 0);
    expect(await deliveries.pendingOf([id, 'msg_unknown'])).toEqual([
      { id, dueInMs: expect.any(Number) as number },
    ]);
    expect(await deliveries.due(100)).not.toContainEqual(expect.objectContaining({ id }));

    expect(await deliveries.recordAttempt(id, failure({ retryInMs: 5000 }))).toEqual({
      status: 'pending',
      scheduledAttempts: 1,
    });
    expect(await dueInSeconds(id)).toBeCloseTo(5, 0);

    // A hand-made attempt that fails leaves the schedule as it was.
    await deliveries.recordAttempt(id, failure({ manual: true }));
    expect(await dueInSeconds(id)).toBeCloseTo(5, 0);
    expect(await deliveries.get(id)).toMatchObject({ status: 'pending', scheduled_attempts: 1 });

    expect(
      await deliveries.recordAttempt(
        id,
        failure({ outcome: 'failed', failureReason: 'gave up after 2 scheduled attempts' }),
      ),
    ).toEqual({ status: 'failed', scheduledAttempts: 2 });
    expect(await deliveries.get(id)).toMatchObject({
      status: 'failed',
      next_attempt_at: null,
      failure_reason: 'gave up after 2 scheduled attempts',
      attempts: 3,
    });
    expect(await deliveries.pendingOf([id])).toEqual([]);

    // Redelivered by hand: delivered, the reason gone.
    await deliveries.recordAttempt(
      id,
      failure({ manual: true, outcome: 'delivered', httpStatus: 204, error: null }),
    );
    expect(await deliveries.get(id)).toMatchObject({
      status: 'delivered',
      next_attempt_at: null,
      failure_reason: null,
    });
  });

  it('fails the pending deliveries of a deleted endpoint, and only those', async () => {
    const { endpoint } = await endpoints.create({
      tenant: 'a',
      url: 'https://example.com/e',
      events: ['job.completed'],
    });
    const pending = await newDelivery(1000, endpoint.id);
    const delivered = await newDelivery(0, endpoint.id);
    await deliveries.recordAttempt(delivered, failure({ outcome: 'delivered', error: null }));
    const other = await newDelivery(1000);

    expect(await endpoints.delete('b', endpoint.id)).toBe(false);
    expect(await deliveries.get(pending)).toMatchObject({ status: 'pending' });
    expect(await endpoints.delete('a', endpoint.id)).toBe(true);

    expect(await deliveries.get(pending)).toMatchObject({
      status: 'failed',
      endpoint_id: null,
      next_attempt_at: null,
      failure_reason: 'the endpoint was deleted',
    });
    expect(await deliveries.get(delivered)).toMatchObject({
      status: 'delivered',
      endpoint_id: null,
    });
    expect(await deliveries.get(other)).toMatchObject({ status: 'pending' });
  });

  describe('scheduler', () => {
    let queues: WebhookQueue[];
    let inspect: Queue;

    beforeAll(() => {
      const options = { redisUrl: t.env.REDIS_URL ?? '', queuePrefix: t.env.QUEUE_PREFIX ?? '' };
      queues = [new WebhookQueue(options), new WebhookQueue(options)];
      inspect = new Queue(webhookQueueName(options.queuePrefix), {
        connection: { url: options.redisUrl, maxRetriesPerRequest: null },
      });
    });

    beforeEach(async () => {
      await inspect.obliterate({ force: true });
    });

    afterAll(async () => {
      for (const q of queues) await q.close();
      await inspect?.close();
    });

    const scheduler = (queue: WebhookQueue) => new WebhookScheduler({ deliveries, queue, logger });

    it('queues a delivery once, at its due time, under its own id', async () => {
      const id = await newDelivery(60_000);
      const [a, b] = queues as [WebhookQueue, WebhookQueue];
      await Promise.all([scheduler(a).queue([id]), scheduler(b).queue([id, 'msg_unknown'])]);
      expect(await inspect.getJobState(id)).toBe('delayed');
      const job = await inspect.getJob(id);
      expect(job?.delay).toBeGreaterThan(55_000);
      expect(await inspect.getJobCounts('delayed', 'waiting')).toMatchObject({
        delayed: 1,
        waiting: 0,
      });
      expect(await inspect.getJobState('msg_unknown')).toBe('unknown');
    });

    it('sweeps: re-queues due deliveries that lost their job, exactly once across replicas', async () => {
      await pool.query(`UPDATE ingest.webhook_deliveries SET status = 'delivered'`);
      const lost = await newDelivery(0);
      const queued = await newDelivery(0);
      const notDue = await newDelivery(60_000);
      const stale = await newDelivery(0);
      // A finished job an older version kept under the delivery's id.
      await inspect.add('deliver', { deliveryId: stale, manual: false }, { jobId: stale });
      const worker = new Worker(
        inspect.name,
        () => Promise.reject(new UnrecoverableError('an old failure')),
        { connection: { url: t.env.REDIS_URL ?? '', maxRetriesPerRequest: null } },
      );
      await until(async () => (await inspect.getJobState(stale)) === 'failed');
      await worker.close();
      await queues[0]?.ensureScheduled(queued, 60_000);

      const found = await Promise.all(queues.map((q) => scheduler(q).sweep()));
      // Each replica may have seen them missing; Redis holds one job per delivery.
      for (const ids of found) expect(ids.every((id) => id === lost || id === stale)).toBe(true);
      expect(new Set(found.flat())).toEqual(new Set([lost, stale]));
      expect(await inspect.getJobState(lost)).toBe('waiting');
      expect(await inspect.getJobState(stale)).toBe('waiting');
      expect(await inspect.getJobState(queued)).toBe('delayed');
      expect(await inspect.getJobState(notDue)).toBe('unknown');
      expect(await inspect.getJobCounts('waiting', 'delayed', 'failed')).toMatchObject({
        waiting: 2,
        delayed: 1,
        failed: 0,
      });

      // A second sweep finds every due delivery queued.
      expect(await scheduler(queues[1] as WebhookQueue).sweep()).toEqual([]);
    });
  });
});
