import { createServer, type Socket } from 'node:net';
import { QUEUES } from '@ingest/contracts';
import { AmqpConnection, ConfirmedPublisher, DEFAULT_DELIVERY_LIMIT } from '@ingest/rabbitmq';
import { freePort } from '@ingest/testing';
import { jobStored, urlOnPort, useBroker } from '../support/broker';

/**
 * The broker connection and the publisher against the real RabbitMQ: the
 * topology every service declares, confirmed publishing, and how a connection
 * opens, fails and closes.
 */
describe('rabbitmq: topology, publisher, connection', () => {
  const broker = useBroker();

  /** The arguments assertTopology gives a work queue. */
  const workQueueArgs = (connection: AmqpConnection, deliveryLimit: number) => ({
    'x-queue-type': 'quorum',
    'x-delivery-limit': deliveryLimit,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': connection.topology.deadLetterQueue,
  });

  it('declares every work queue as a quorum queue with the delivery limit, dead-lettering into the dead queue', async () => {
    const connection = broker.connect({ deliveryLimit: 3 });
    await connection.ping();
    const declared = workQueueArgs(connection, 3);
    for (const queue of Object.values(QUEUES).map((q) => connection.topology.name(q))) {
      // The broker accepts a redeclaration only with the very same arguments.
      await expect(broker.declare(queue, declared)).resolves.toBeUndefined();
      await expect(broker.declare(queue, { ...declared, 'x-delivery-limit': 4 })).rejects.toThrow(
        /PRECONDITION_FAILED - inequivalent arg 'x-delivery-limit'/,
      );
      await expect(
        broker.declare(queue, { ...declared, 'x-queue-type': 'classic' }),
      ).rejects.toThrow(/PRECONDITION_FAILED - inequivalent arg 'x-queue-type'/);
    }
    const dead = connection.topology.deadLetterQueue;
    await expect(broker.declare(dead, { 'x-queue-type': 'quorum' })).resolves.toBeUndefined();
    await expect(broker.declare(dead, { 'x-queue-type': 'classic' })).rejects.toThrow(
      /PRECONDITION_FAILED/,
    );
    await connection.close();
  });

  it('uses the default delivery limit unless given one, and declares idempotently for every process', async () => {
    const first = broker.connect();
    await first.ping();
    expect(first.deliveryLimit).toBe(DEFAULT_DELIVERY_LIMIT);
    const second = broker.connect({ queuePrefix: first.queuePrefix });
    await expect(second.ping()).resolves.toBeUndefined();
    await expect(
      broker.declare(
        first.topology.name(QUEUES.chunks),
        workQueueArgs(first, DEFAULT_DELIVERY_LIMIT),
      ),
    ).resolves.toBeUndefined();
    await second.close();
    await first.close();
  });

  it('refuses a delivery limit other than the declared one, leaving no connection open', async () => {
    const first = broker.connect({ deliveryLimit: 3 });
    await first.ping();
    const other = broker.connect({ queuePrefix: first.queuePrefix, deliveryLimit: 4 });
    await expect(other.ping()).rejects.toThrow(/PRECONDITION_FAILED/);
    await other.close();
    await first.close();
  });

  it('publishes a persistent JSON message with its id, delivered once after the broker confirmed it', async () => {
    const connection = broker.connect();
    const publisher = new ConfirmedPublisher(connection);
    const message = jobStored();
    const before = Math.floor(Date.now() / 1000);
    await publisher.publish(QUEUES.jobs, message, { messageId: 'job-1' });

    const queue = connection.topology.name(QUEUES.jobs);
    const got = await broker.take(queue);
    expect(JSON.parse(got?.content.toString('utf8') ?? 'null')).toEqual(message);
    expect(got?.properties).toMatchObject({
      deliveryMode: 2,
      contentType: 'application/json',
      messageId: 'job-1',
    });
    expect(got?.properties.timestamp).toBeGreaterThanOrEqual(before);
    expect(got?.fields.redelivered).toBe(false);
    expect(await broker.take(queue)).toBeNull();

    await publisher.close();
    expect(connection.openChannels).toBe(0);
    await connection.close();
  });

  it('fails a publish whose confirm does not come in time, then publishes on a fresh channel', async () => {
    const proxy = await broker.proxy();
    const connection = broker.connect({ url: proxy.url });
    const publisher = new ConfirmedPublisher(connection, { confirmTimeoutMs: 300 });
    await publisher.publish(QUEUES.jobs, jobStored());

    proxy.freeze(); // the broker's confirms are held back, as on a stalled connection
    const t0 = Date.now();
    await expect(publisher.publish(QUEUES.jobs, jobStored())).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
      failure: 'retryable',
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(Date.now() - t0).toBeLessThan(3000);
    proxy.thaw();

    await publisher.publish(QUEUES.jobs, jobStored());
    // The unconfirmed message may still have arrived: a failed publish is retried, never assumed lost.
    expect((await broker.depth(connection.topology.name(QUEUES.jobs))).messages).toBe(3);
    await publisher.close();
    expect(connection.openChannels).toBe(0);
    await connection.close();
  });

  it('fails with QUEUE_UNAVAILABLE when nothing listens', async () => {
    const connection = broker.connect({ url: urlOnPort(await freePort()) });
    await expect(connection.ping()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await connection.close();
  });

  it('gives up after connectTimeoutMs on a peer that accepts but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s.on('close', () => sockets.delete(s))));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const connection = broker.connect({ url: urlOnPort(port), connectTimeoutMs: 300 });
    const t0 = Date.now();
    await expect(connection.ping()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    expect(Date.now() - t0).toBeLessThan(3000);
    await connection.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('is finished once closed: channels are refused and no drop is reported', async () => {
    const connection = broker.connect();
    const drops: number[] = [];
    connection.onDrop(() => drops.push(Date.now()));
    await connection.ping();
    await connection.close();
    await expect(connection.channel()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await new Promise((r) => setTimeout(r, 100));
    expect(drops).toEqual([]);
  });

  it('closed while still connecting, it leaves no connection open', async () => {
    const connection = broker.connect();
    const opening = connection.connection();
    await connection.close();
    await expect(opening).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
  });
});
