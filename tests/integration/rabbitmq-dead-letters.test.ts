import { QUEUES, jobStoredSchema } from '@ingest/contracts';
import type { DeadMessage } from '@ingest/contracts';
import { DeadLetterConsumer, QueueConsumer } from '@ingest/rabbitmq';
import { eventually, jobStored, recordingLogger, useBroker } from '../support/broker';

/**
 * Dead-lettering against the real RabbitMQ: the broker's delivery limit for a
 * message nobody ever settles (a consumer that crashes on it every time), a
 * consumer's own rejection, and the dead-letter consumer that hands each dead
 * message over with where and why it died.
 */
describe('rabbitmq: dead letters', () => {
  const broker = useBroker();

  it('dead-letters a message nobody settles once the delivery limit is exceeded', async () => {
    const connection = broker.connect({ deliveryLimit: 2 });
    await connection.ping();
    const chunks = connection.topology.name(QUEUES.chunks);
    await broker.send(chunks, { chunk: 1 }, { messageId: 'chunk-1' });

    // The limit counts redeliveries: the first delivery and two more.
    expect(await broker.returnEveryDelivery(chunks)).toEqual([0, 1, 2]);
    expect((await broker.depth(chunks)).messages).toBe(0);
    const dead = await broker.take(connection.topology.deadLetterQueue);
    expect(dead?.properties.messageId).toBe('chunk-1');
    expect(dead?.properties.headers).toMatchObject({
      'x-first-death-queue': chunks,
      'x-first-death-reason': 'delivery_limit',
    });
    await connection.close();
  });

  it('hands over a message that exceeded the delivery limit with its queue, reason, deliveries and body', async () => {
    const connection = broker.connect({ deliveryLimit: 2 });
    await connection.ping();
    const chunks = connection.topology.name(QUEUES.chunks);
    await broker.send(chunks, { chunk: 7 }, { messageId: 'chunk-7' });
    const seen = await broker.returnEveryDelivery(chunks);

    const handled: DeadMessage[] = [];
    const deadLetters = new DeadLetterConsumer(connection, {
      logger: recordingLogger(),
      handle: (message) => {
        handled.push(message);
        return Promise.resolve();
      },
    });
    await deadLetters.start();
    await eventually(
      () => handled.length,
      (n) => n === 1,
    );
    await deadLetters.stop();

    expect(handled).toEqual([
      {
        queue: chunks,
        reason: 'delivery_limit',
        deliveries: seen.length,
        messageId: 'chunk-7',
        body: { chunk: 7 },
      },
    ]);
    expect(connection.openChannels).toBe(0);
    // Acked once handled.
    expect(await broker.depth(connection.topology.deadLetterQueue)).toEqual({
      messages: 0,
      consumers: 0,
    });
    await connection.close();
  });

  it('hands over what a consumer rejected: reason rejected, a body that is not JSON as null', async () => {
    const connection = broker.connect();
    const jobs = connection.topology.name(QUEUES.jobs);
    const consumer = new QueueConsumer(connection, {
      queue: QUEUES.jobs,
      schema: jobStoredSchema,
      logger: recordingLogger(),
      handle: () => Promise.reject(new Error('permanent')),
    });
    const handled: DeadMessage[] = [];
    const deadLetters = new DeadLetterConsumer(connection, {
      logger: recordingLogger(),
      handle: (message) => {
        handled.push(message);
        return Promise.resolve();
      },
    });
    await consumer.start();
    await deadLetters.start();
    const message = jobStored();
    await broker.send(jobs, message, { messageId: 'job-1' });
    await eventually(
      () => handled.length,
      (n) => n === 1,
    );
    await broker.send(jobs, Buffer.from('{not json'), { messageId: 'job-2' });
    await eventually(
      () => handled.length,
      (n) => n === 2,
    );
    await deadLetters.stop();
    await consumer.stop();

    expect(handled).toEqual([
      { queue: jobs, reason: 'rejected', deliveries: null, messageId: 'job-1', body: message },
      { queue: jobs, reason: 'rejected', deliveries: null, messageId: 'job-2', body: null },
    ]);
    expect(connection.openChannels).toBe(0);
    await connection.close();
  });

  it('requeues a dead letter whose handler fails, and hands it over again unchanged', async () => {
    const connection = broker.connect({ deliveryLimit: 1 });
    await connection.ping();
    const chunks = connection.topology.name(QUEUES.chunks);
    await broker.send(chunks, { chunk: 3 }, { messageId: 'chunk-3' });
    await broker.returnEveryDelivery(chunks);

    const handled: DeadMessage[] = [];
    const logger = recordingLogger();
    const deadLetters = new DeadLetterConsumer(connection, {
      logger,
      handle: (message) => {
        handled.push(message);
        return handled.length === 1
          ? Promise.reject(new Error('database down'))
          : Promise.resolve();
      },
    });
    await deadLetters.start();
    await eventually(
      () => handled.length,
      (n) => n === 2,
    );
    await deadLetters.stop();

    expect(handled[1]).toEqual(handled[0]);
    expect(handled[0]).toMatchObject({ reason: 'delivery_limit', deliveries: 2 });
    expect(logger.entries).toContainEqual({
      level: 'warn',
      msg: 'dead letter not handled; requeueing',
    });
    expect((await broker.depth(connection.topology.deadLetterQueue)).messages).toBe(0);
    await connection.close();
  });
});
