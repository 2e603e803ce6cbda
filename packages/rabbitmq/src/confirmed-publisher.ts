import type { QueueName } from '@ingest/contracts';
import type { MessagePublisher } from '@ingest/contracts';
import { errors } from '@ingest/errors';
import type { ConfirmChannel } from 'amqplib';
import type { AmqpConnection } from './amqp-connection';

export interface ConfirmedPublisherOptions {
  /** A confirm that has not arrived by then counts as failed (amqplib can hang on a dropped socket). Default 10 s. */
  confirmTimeoutMs?: number;
}

/** Persistent messages with publisher confirms; resolves only when the broker has the message. */
/** Milliseconds since the epoch when the message was published (a header of every message). */
export const PUBLISHED_AT_HEADER = 'x-published-at-ms';

export class ConfirmedPublisher implements MessagePublisher {
  private channel: Promise<ConfirmChannel> | undefined;
  /** Channels given up after a failed publish, closed once their other publishes settle. */
  private readonly retired = new Set<ConfirmChannel>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: ConfirmedPublisherOptions = {},
  ) {}

  async publish(queue: QueueName, message: object, options: { messageId?: string } = {}) {
    const opening = this.openChannel();
    const channel = await opening;
    const body = Buffer.from(JSON.stringify(message));
    const timeoutMs = this.options.confirmTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve, reject) => {
          channel.sendToQueue(
            this.connection.topology.name(queue),
            body,
            {
              persistent: true,
              contentType: 'application/json',
              messageId: options.messageId,
              timestamp: Math.floor(Date.now() / 1000),
              // The AMQP timestamp has whole seconds; consumers measure queue waits in ms.
              headers: { [PUBLISHED_AT_HEADER]: Date.now() },
            },
            (err) => (err ? reject(errors.queueUnavailable(err)) : resolve()),
          );
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(errors.queueUnavailable(new Error(`no confirm within ${timeoutMs} ms`))),
            timeoutMs,
          );
        }),
      ]);
    } catch (e) {
      // The channel's state is unknown after a failure: start fresh next time.
      this.retire(opening, channel);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await (await channel.catch(() => undefined))?.close().catch(() => undefined);
    const retired = [...this.retired];
    this.retired.clear();
    await Promise.all(retired.map((c) => c.close().catch(() => undefined)));
  }

  /**
   * Stops publishing on `channel`. Other publishes already sent on it may still
   * be confirmed, so it is closed once they settle (or by close()), not at once.
   */
  private retire(opening: Promise<ConfirmChannel>, channel: ConfirmChannel): void {
    if (this.channel === opening) this.channel = undefined;
    if (this.retired.has(channel)) return;
    this.retired.add(channel);
    const closeIt = () => {
      if (this.retired.delete(channel)) void channel.close().catch(() => undefined);
    };
    channel.waitForConfirms().then(closeIt, closeIt);
  }

  private openChannel(): Promise<ConfirmChannel> {
    if (!this.channel) {
      const opening = this.connection.confirmChannel().then((channel) => {
        channel.on('error', () => undefined);
        channel.on('close', () => {
          if (this.channel === opening) this.channel = undefined;
        });
        return channel;
      });
      opening.catch(() => {
        if (this.channel === opening) this.channel = undefined;
      });
      this.channel = opening;
    }
    return this.channel;
  }
}
