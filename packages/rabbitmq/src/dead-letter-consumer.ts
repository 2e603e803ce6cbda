import type { DeadMessage } from '@ingest/contracts';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { AmqpConnection } from './amqp-connection';
import { Subscription, safely } from './subscription';
import type { ConsumerLogger } from './queue-consumer';

export interface DeadLetterConsumerOptions {
  logger: ConsumerLogger;
  /** Settles one dead message; throwing requeues it to try again later. */
  handle(message: DeadMessage): Promise<void>;
}

const text = (v: unknown): string | null =>
  typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null;

/** The first x-death entry: where and why the message died. */
function deathOf(msg: ConsumeMessage): { queue: string; reason: string } {
  const headers = msg.properties.headers ?? {};
  const deaths = headers['x-death'] as { queue?: unknown; reason?: unknown }[] | undefined;
  const first = deaths?.[deaths.length - 1];
  return {
    queue: text(headers['x-first-death-queue']) ?? text(first?.queue) ?? 'unknown',
    reason: text(headers['x-first-death-reason']) ?? text(first?.reason) ?? 'unknown',
  };
}

/**
 * Consumes the dead-letter queue, so that a message the broker gives up on —
 * even one whose consumer crashed on every delivery and so never reported a
 * failure — still ends its job. Acked only once handled.
 */
export class DeadLetterConsumer {
  private readonly subscription: Subscription;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: DeadLetterConsumerOptions,
  ) {
    this.subscription = new Subscription(connection, {
      queue: connection.topology.deadLetterQueue,
      prefetch: 1,
      reconnectDelayMs: 1000,
      onReconnectError: (e) => options.logger.warn({ err: e }, 'dead letters: reconnect failed'),
      process: (channel, msg) => this.process(channel, msg),
    });
  }

  start(): Promise<void> {
    return this.subscription.start();
  }

  stop(): Promise<void> {
    return this.subscription.stop();
  }

  private async process(channel: Channel, msg: ConsumeMessage): Promise<void> {
    let body: unknown = null;
    try {
      body = JSON.parse(msg.content.toString('utf8'));
    } catch {
      // kept as null: the record of the death matters more than its body
    }
    const { queue, reason } = deathOf(msg);
    // The broker does not carry the count over from the queue the message died in
    // (x-delivery-count here is the dead-letter queue's own). A delivery-limit death
    // means the limit of redeliveries was exceeded: one delivery more than the limit.
    const message: DeadMessage = {
      queue,
      reason,
      deliveries: reason === 'delivery_limit' ? this.connection.deliveryLimit + 1 : null,
      messageId: text(msg.properties.messageId),
      body,
    };
    try {
      await this.options.handle(message);
      safely(() => channel.ack(msg));
    } catch (e) {
      this.options.logger.warn({ err: e, queue, reason }, 'dead letter not handled; requeueing');
      await new Promise((r) => setTimeout(r, 1000));
      safely(() => channel.nack(msg, false, true));
    }
  }
}
