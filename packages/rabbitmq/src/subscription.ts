import type { Channel, ConsumeMessage } from 'amqplib';
import type { AmqpConnection } from './amqp-connection';

export interface SubscriptionOptions {
  /** Physical queue name (prefix included). */
  queue: string;
  prefetch: number;
  /** Wait before reconnecting after the broker connection dropped. */
  reconnectDelayMs: number;
  onReconnectError(e: unknown): void;
  /** Handles one message; it must ack or nack it on `channel`. */
  process(channel: Channel, msg: ConsumeMessage): Promise<void>;
}

/**
 * A manual-ack consumer's channel: opened with its prefetch, reopened after
 * the connection drops, and stopped in order (cancel, let in-flight messages
 * finish, close).
 */
export class Subscription {
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private unsubscribeDrop: (() => void) | undefined;
  stopping = false;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: SubscriptionOptions,
  ) {}

  async start(): Promise<void> {
    this.stopping = false;
    this.unsubscribeDrop ??= this.connection.onDrop(() => this.scheduleReconnect());
    const channel = await this.connection.channel();
    channel.on('error', () => undefined);
    if (this.stopping) {
      // stop() came while the channel was opening: it found nothing to close.
      await channel.close().catch(() => undefined);
      return;
    }
    // Known before the first await below, so that a stop() from now on closes it.
    this.channel = channel;
    try {
      await channel.prefetch(this.options.prefetch);
      const { consumerTag } = await channel.consume(
        this.options.queue,
        (msg) => {
          if (!msg) return; // consumer cancelled by the broker; the drop listener reconnects
          const work = this.options.process(channel, msg).finally(() => this.inFlight.delete(work));
          this.inFlight.add(work);
        },
        { noAck: false },
      );
      this.consumerTag = consumerTag;
    } catch (e) {
      if (this.stopping) return; // stop() closed the channel while it was being set up
      throw e;
    }
  }

  /** Stops taking messages, waits for in-flight ones to finish, closes the channel. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    this.unsubscribeDrop?.();
    this.unsubscribeDrop = undefined;
    const channel = this.channel;
    if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    this.channel = undefined;
    if (channel) await channel.close().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this.stopping) return;
    this.channel = undefined;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.start().catch((e: unknown) => {
        this.options.onReconnectError(e);
        this.scheduleReconnect();
      });
    }, this.options.reconnectDelayMs);
  }
}

/** Acking on a channel that died throws; the broker redelivers the message anyway. */
export const safely = (fn: () => void): void => {
  try {
    fn();
  } catch {
    /* redelivered by the broker */
  }
};
