import { QUEUES, jobStoredSchema, type JobStoredMessage } from '@ingest/contracts';
import { ConfirmedPublisher, QueueConsumer, type DeliveryInfo } from '@ingest/rabbitmq';
import {
  eventually,
  jobStored,
  recordingLogger,
  useBroker,
  type TrackedConnection,
} from '../support/broker';

/**
 * Losing the broker connection, through a TCP proxy in front of the real
 * RabbitMQ: consumers subscribe again and publishers reopen on one new
 * connection; a message in flight at the cut comes back and is acked once;
 * an unreachable broker is retried until it answers; stop() ends the retrying.
 */
describe('rabbitmq: reconnecting', () => {
  const broker = useBroker();

  const consumerOf = (
    connection: TrackedConnection,
    handle: (message: JobStoredMessage, delivery: DeliveryInfo) => Promise<void>,
  ) => {
    const logger = recordingLogger();
    const consumer = new QueueConsumer(connection, {
      queue: QUEUES.jobs,
      schema: jobStoredSchema,
      logger,
      reconnectDelayMs: 100,
      handle,
    });
    return { consumer, logger };
  };

  it('after a cut, the consumer subscribes again and the publisher reopens, on one new connection', async () => {
    const proxy = await broker.proxy();
    const connection = broker.connect({ url: proxy.url });
    const drops: number[] = [];
    connection.onDrop(() => drops.push(Date.now()));
    const handled: string[] = [];
    const { consumer } = consumerOf(connection, (message) => {
      handled.push(message.jobId);
      return Promise.resolve();
    });
    const publisher = new ConfirmedPublisher(connection);
    await consumer.start();
    const before = jobStored();
    await publisher.publish(QUEUES.jobs, before);
    await eventually(
      () => handled.length,
      (n) => n === 1,
    );

    proxy.cut();
    await eventually(
      () => drops.length,
      (n) => n === 1,
    );
    const after = jobStored();
    await publisher.publish(QUEUES.jobs, after);
    await eventually(
      () => handled,
      (ids) => ids.includes(after.jobId),
    );

    // An ack still on its way at the cut is lost, and that message comes again: at least once.
    expect([...new Set(handled)]).toEqual([before.jobId, after.jobId]);
    expect(proxy.accepted).toBe(2);
    await publisher.close();
    await consumer.stop();
    expect(connection.openChannels).toBe(0);
    expect(await broker.depth(connection.topology.name(QUEUES.jobs))).toEqual({
      messages: 0,
      consumers: 0,
    });
    await connection.close();
  });

  it('a message in flight at the cut is redelivered after the reconnect and acked once', async () => {
    const proxy = await broker.proxy();
    const connection = broker.connect({ url: proxy.url });
    const calls: DeliveryInfo[] = [];
    let finishFirst: () => void = () => undefined;
    const { consumer } = consumerOf(connection, (_message, delivery) => {
      calls.push(delivery);
      // The first delivery finishes only after its channel is gone: its ack is lost.
      return calls.length === 1
        ? new Promise<void>((resolve) => (finishFirst = resolve))
        : Promise.resolve();
    });
    await consumer.start();
    await broker.send(connection.topology.name(QUEUES.jobs), jobStored());
    await eventually(
      () => calls.length,
      (n) => n === 1,
    );

    proxy.cut();
    await eventually(
      () => calls.length,
      (n) => n === 2,
    );
    finishFirst();
    await consumer.stop();

    // Sent raw, without a publisher's time: the queue wait is unknown, not made up.
    for (const c of calls) expect(c.publishedAtMs).toBeNull();
    expect(calls.map(({ publishedAtMs: _at, ...rest }) => rest)).toEqual([
      { redelivered: false, deliveryCount: 0, lastChance: false },
      { redelivered: true, deliveryCount: 1, lastChance: false },
    ]);
    expect(await broker.depth(connection.topology.name(QUEUES.jobs))).toEqual({
      messages: 0,
      consumers: 0,
    });
    await connection.close();
  });

  it('keeps trying while the broker is unreachable and resumes once it answers', async () => {
    const proxy = await broker.proxy();
    const connection = broker.connect({ url: proxy.url });
    const handled: string[] = [];
    const { consumer, logger } = consumerOf(connection, (message) => {
      handled.push(message.jobId);
      return Promise.resolve();
    });
    await consumer.start();

    proxy.refuse(true);
    proxy.cut();
    const failedAttempts = () =>
      logger.entries.filter((e) => e.msg === 'reconnect failed; retrying').length;
    await eventually(failedAttempts, (n) => n >= 2);
    proxy.refuse(false);
    const message = jobStored();
    await broker.send(connection.topology.name(QUEUES.jobs), message);
    await eventually(
      () => handled.length,
      (n) => n === 1,
    );

    expect(handled).toEqual([message.jobId]);
    await consumer.stop();
    expect(connection.openChannels).toBe(0);
    await connection.close();
  });

  it('stop() cancels a pending reconnect: no consumer comes back', async () => {
    const proxy = await broker.proxy();
    const connection = broker.connect({ url: proxy.url });
    const { consumer } = consumerOf(connection, () => Promise.resolve());
    await consumer.start();
    const drops: number[] = [];
    connection.onDrop(() => drops.push(Date.now()));

    proxy.cut();
    await eventually(
      () => drops.length,
      (n) => n === 1,
    );
    await consumer.stop();
    await new Promise((r) => setTimeout(r, 400)); // well past reconnectDelayMs

    expect(proxy.accepted).toBe(1);
    expect((await broker.depth(connection.topology.name(QUEUES.jobs))).consumers).toBe(0);
    await connection.close();
  });
});
