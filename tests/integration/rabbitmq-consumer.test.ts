import { QUEUES, jobStoredSchema, type JobStoredMessage } from '@ingest/contracts';
import { errors } from '@ingest/errors';
import {
  ConfirmedPublisher,
  QueueConsumer,
  type DeliveryInfo,
  type QueueConsumerOptions,
} from '@ingest/rabbitmq';
import {
  eventually,
  jobStored,
  recordingLogger,
  useBroker,
  type TrackedConnection,
} from '../support/broker';

/**
 * QueueConsumer against the real RabbitMQ: manual acks, in-process retries
 * within a budget, requeues that use up deliveries, `lastChance` on the final
 * one, dead-lettering, and a stop that drains and leaves nothing behind.
 */
describe('rabbitmq: queue consumer', () => {
  const broker = useBroker();

  interface Call extends DeliveryInfo {
    jobId: string;
    at: number;
  }

  /** A consumer of the jobs queue recording every call; `behave` decides each outcome. */
  const consume = (
    connection: TrackedConnection,
    behave: (call: Call, calls: Call[]) => Promise<void> | void,
    options: Partial<QueueConsumerOptions<JobStoredMessage>> = {},
  ) => {
    const calls: Call[] = [];
    const logger = recordingLogger();
    const consumer = new QueueConsumer(connection, {
      queue: QUEUES.jobs,
      schema: jobStoredSchema,
      logger,
      retryDelayMs: 20,
      retryBudgetMs: 0,
      ...options,
      handle: async (message, delivery) => {
        const call = { jobId: message.jobId, ...delivery, at: Date.now() };
        calls.push(call);
        await behave(call, calls);
      },
    });
    return { consumer, calls, logger };
  };

  const retryable = () => errors.databaseUnavailable(new Error('failover'));
  const jobsQueue = (c: TrackedConnection) => c.topology.name(QUEUES.jobs);
  const deliveries = (calls: Call[]) =>
    calls.map(({ deliveryCount, redelivered, lastChance }) => ({
      deliveryCount,
      redelivered,
      lastChance,
    }));

  /** Stops the consumer and proves it left no channel, consumer or unacked message behind. */
  const stopCleanly = async (
    connection: TrackedConnection,
    consumer: { stop(): Promise<void> },
  ) => {
    await consumer.stop();
    expect(connection.openChannels).toBe(0);
    expect((await broker.depth(jobsQueue(connection))).consumers).toBe(0);
  };

  it('hands a published message to its handler once and acks it after success', async () => {
    const connection = broker.connect();
    const publisher = new ConfirmedPublisher(connection);
    const { consumer, calls } = consume(connection, () => undefined);
    await consumer.start();
    const message = jobStored();
    await publisher.publish(QUEUES.jobs, message);

    await eventually(
      () => calls.length,
      (n) => n === 1,
    );
    await publisher.close();
    await stopCleanly(connection, consumer);
    expect(calls.map((c) => c.jobId)).toEqual([message.jobId]);
    expect(deliveries(calls)).toEqual([
      { deliveryCount: 0, redelivered: false, lastChance: false },
    ]);
    // The publisher stamps the publish time (ms) the loaders measure queue waits from.
    expect(calls[0]?.publishedAtMs).toBeGreaterThan(Date.now() - 60_000);
    expect(calls[0]?.publishedAtMs).toBeLessThanOrEqual(calls[0]?.at ?? 0);
    // Closing the channel would have returned an unacked message to the queue.
    expect((await broker.depth(jobsQueue(connection))).messages).toBe(0);
    await connection.close();
  });

  it('retries a retryable failure in-process with doubling waits, then acks on the same delivery', async () => {
    const connection = broker.connect();
    const { consumer, calls, logger } = consume(
      connection,
      (_call, all) => {
        if (all.length < 3) throw retryable();
      },
      { retryDelayMs: 40, retryBudgetMs: 10_000 },
    );
    await consumer.start();
    await broker.send(jobsQueue(connection), jobStored());

    await eventually(
      () => calls.length,
      (n) => n === 3,
    );
    await stopCleanly(connection, consumer);
    expect(deliveries(calls)).toEqual(
      Array(3).fill({ deliveryCount: 0, redelivered: false, lastChance: false }),
    );
    const [a, b, c] = calls.map((x) => x.at);
    expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(35);
    expect((c ?? 0) - (b ?? 0)).toBeGreaterThanOrEqual(75);
    expect(logger.entries.filter((e) => e.msg === 'retryable failure; retrying')).toHaveLength(2);
    expect((await broker.depth(jobsQueue(connection))).messages).toBe(0);
    await connection.close();
  });

  it('requeues a retryable failure once the retry budget is spent, using up one delivery', async () => {
    const connection = broker.connect({ deliveryLimit: 3 });
    const { consumer, calls } = consume(connection, (_call, all) => {
      if (all.length === 1) throw retryable();
    });
    await consumer.start();
    await broker.send(jobsQueue(connection), jobStored());

    await eventually(
      () => calls.length,
      (n) => n === 2,
    );
    await stopCleanly(connection, consumer);
    expect(deliveries(calls)).toEqual([
      { deliveryCount: 0, redelivered: false, lastChance: false },
      { deliveryCount: 1, redelivered: true, lastChance: false },
    ]);
    expect((await broker.depth(jobsQueue(connection))).messages).toBe(0);
    await connection.close();
  });

  it('gives the last delivery lastChance, and dead-letters the message when that fails too', async () => {
    const connection = broker.connect({ deliveryLimit: 3 });
    const { consumer, calls } = consume(connection, () => {
      throw retryable();
    });
    await consumer.start();
    await broker.send(jobsQueue(connection), jobStored(), { messageId: 'm-last' });

    const dead = await eventually(
      () => broker.take(connection.topology.deadLetterQueue),
      (m) => m !== null,
    );
    await stopCleanly(connection, consumer);
    expect(deliveries(calls)).toEqual([
      { deliveryCount: 0, redelivered: false, lastChance: false },
      { deliveryCount: 1, redelivered: true, lastChance: false },
      { deliveryCount: 2, redelivered: true, lastChance: true },
    ]);
    expect(dead?.properties.messageId).toBe('m-last');
    expect(dead?.properties.headers?.['x-first-death-reason']).toBe('rejected');
    expect((await broker.depth(jobsQueue(connection))).messages).toBe(0);
    await connection.close();
  });

  it('on the last delivery, keeps retrying until the budget is spent: only the final try has lastChance', async () => {
    const connection = broker.connect({ deliveryLimit: 2 });
    const { consumer, calls } = consume(
      connection,
      () => {
        throw retryable();
      },
      { retryDelayMs: 50, retryBudgetMs: 300 },
    );
    await consumer.start();
    await broker.send(jobsQueue(connection), jobStored());

    await eventually(() => calls.some((c) => c.lastChance), Boolean, 10_000);
    await stopCleanly(connection, consumer);
    const first = calls.filter((c) => c.deliveryCount === 0);
    const last = calls.filter((c) => c.deliveryCount === 1);
    expect(first.length).toBeGreaterThan(1);
    expect(first.every((c) => !c.lastChance)).toBe(true);
    expect(last.map((c) => c.lastChance)).toEqual([...Array(last.length - 1).fill(false), true]);
    expect((last.at(-1)?.at ?? 0) - (last[0]?.at ?? 0)).toBeGreaterThanOrEqual(290);
    expect(calls.at(-1)).toBe(last.at(-1));
    await connection.close();
  });

  it('dead-letters a permanent failure at once, without retrying', async () => {
    const connection = broker.connect();
    const { consumer, calls, logger } = consume(
      connection,
      () => {
        throw new Error('the table has no such column');
      },
      { retryBudgetMs: 10_000 },
    );
    await consumer.start();
    await broker.send(jobsQueue(connection), jobStored());

    const dead = await eventually(
      () => broker.take(connection.topology.deadLetterQueue),
      (m) => m !== null,
    );
    await stopCleanly(connection, consumer);
    expect(calls).toHaveLength(1);
    expect(dead?.properties.headers?.['x-first-death-reason']).toBe('rejected');
    expect(logger.entries).toContainEqual({
      level: 'error',
      msg: 'permanent failure; dead-lettering',
    });
    await connection.close();
  });

  it('dead-letters a message that is not JSON or not of its schema without calling the handler', async () => {
    const connection = broker.connect();
    const { consumer, calls, logger } = consume(connection, () => undefined);
    await consumer.start();
    await broker.send(jobsQueue(connection), Buffer.from('not json'));
    await broker.send(jobsQueue(connection), { type: 'job.stored', version: 2 });

    await eventually(
      () => broker.depth(connection.topology.deadLetterQueue),
      (d) => d.messages === 2,
    );
    await stopCleanly(connection, consumer);
    expect(calls).toEqual([]);
    expect(logger.entries.filter((e) => e.level === 'error')).toHaveLength(2);
    await connection.close();
  });

  it('stop() takes no new message, waits for the one in flight, acks it, and closes its channel', async () => {
    const connection = broker.connect();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { consumer, calls } = consume(connection, () => released);
    await consumer.start();
    await broker.send(jobsQueue(connection), jobStored());
    await eventually(
      () => calls.length,
      (n) => n === 1,
    );
    // Held back by the prefetch of 1 until the first is acked; by then stop() has cancelled.
    await broker.send(jobsQueue(connection), jobStored());

    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(stopped).toBe(false);

    release();
    await stopping;
    expect(calls).toHaveLength(1);
    expect(connection.openChannels).toBe(0);
    // The first was acked; the second waits for the next consumer.
    expect(await broker.depth(jobsQueue(connection))).toEqual({ messages: 1, consumers: 0 });
    await connection.close();
  });

  it('stop() during a retry wait: the next failure requeues the delivery instead of waiting again', async () => {
    const connection = broker.connect();
    const { consumer, calls, logger } = consume(
      connection,
      () => {
        throw retryable();
      },
      { retryDelayMs: 300, retryBudgetMs: 60_000 },
    );
    await consumer.start();
    await broker.send(jobsQueue(connection), jobStored());
    await eventually(
      () => calls.length,
      (n) => n === 1,
    );

    await stopCleanly(connection, consumer);
    // The wait already begun is finished and tried once more; that failure is requeued.
    expect(deliveries(calls)).toEqual(
      Array(2).fill({ deliveryCount: 0, redelivered: false, lastChance: false }),
    );
    expect(logger.entries).toContainEqual({ level: 'warn', msg: 'retryable failure; requeueing' });
    expect((await broker.depth(jobsQueue(connection))).messages).toBe(1);
    expect(await broker.depth(connection.topology.deadLetterQueue)).toEqual({
      messages: 0,
      consumers: 0,
    });
    await connection.close();
  });

  it('stopped while still starting, it ends up with no consumer and no channel', async () => {
    const connection = broker.connect();
    await connection.ping();
    const { consumer, calls } = consume(connection, () => undefined);
    const starting = consumer.start();
    await consumer.stop();
    await starting.catch(() => undefined);

    await broker.send(jobsQueue(connection), jobStored());
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toEqual([]);
    expect(connection.openChannels).toBe(0);
    expect(await broker.depth(jobsQueue(connection))).toEqual({ messages: 1, consumers: 0 });
    await connection.close();
  });
});
