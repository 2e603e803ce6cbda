import type { QueueName } from '@ingest/contracts';
import { classifyFailure } from '@ingest/errors';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { ZodType } from 'zod';
import type { AmqpConnection } from './amqp-connection';
import { PUBLISHED_AT_HEADER } from './confirmed-publisher';
import { Subscription, safely } from './subscription';

export interface ConsumerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DeliveryInfo {
  /** True when the broker has delivered this message before (a crash or nack happened). */
  redelivered: boolean;
  /** Earlier deliveries per the quorum queue's counter (0 on the first delivery). */
  deliveryCount: number;
  /**
   * No attempt follows this one: the last delivery, after its in-process retries.
   * A handler that still fails with a retryable error should now fail its job.
   */
  lastChance: boolean;
  /** When the message was published (ms since the epoch), if its publisher said so. */
  publishedAtMs: number | null;
}

export interface QueueConsumerOptions<T> {
  queue: QueueName;
  schema: ZodType<T>;
  /** Unacknowledged messages this consumer holds at once. Default 1. */
  prefetch?: number;
  /**
   * First wait before a retryable failure is tried again in-process; it doubles
   * (capped at 30 s) until `retryBudgetMs` is spent, and only then is the
   * message requeued (using up one delivery). A database failover of tens of
   * seconds is ridden out within one delivery. Default 1 s.
   */
  retryDelayMs?: number;
  /** How long one delivery keeps retrying in-process. Default 60 s. */
  retryBudgetMs?: number;
  /** Wait before reconnecting after the broker connection dropped. Default 1 s. */
  reconnectDelayMs?: number;
  logger: ConsumerLogger;
  handle(message: T, delivery: DeliveryInfo): Promise<void>;
}

/**
 * Manual-ack consumer. Success acks; a retryable failure is requeued after a delay
 * (the queue's delivery limit bounds the loop); a permanent failure or a message
 * that does not parse is dead-lettered. Handlers own the business outcome.
 */
export class QueueConsumer<T> {
  private readonly subscription: Subscription;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: QueueConsumerOptions<T>,
  ) {
    this.subscription = new Subscription(connection, {
      queue: connection.topology.name(options.queue),
      prefetch: options.prefetch ?? 1,
      reconnectDelayMs: options.reconnectDelayMs ?? 1000,
      onReconnectError: (e) =>
        options.logger.warn({ err: e, queue: options.queue }, 'reconnect failed; retrying'),
      process: (channel, msg) => this.process(channel, msg),
    });
  }

  start(): Promise<void> {
    return this.subscription.start();
  }

  /** Stops taking messages, waits for in-flight ones to finish, closes the channel. */
  stop(): Promise<void> {
    return this.subscription.stop();
  }

  private async process(channel: Channel, msg: ConsumeMessage): Promise<void> {
    const { logger, queue } = this.options;
    let parsed: T;
    try {
      parsed = this.options.schema.parse(JSON.parse(msg.content.toString('utf8')));
    } catch (e) {
      logger.error({ err: e, queue }, 'message does not match its schema; dead-lettering');
      safely(() => channel.nack(msg, false, false));
      return;
    }
    const deliveryCount = Number(msg.properties.headers?.['x-delivery-count'] ?? 0);
    const publishedAtMs = publishedAtOf(msg.properties);
    const lastDelivery = deliveryCount + 1 >= this.connection.deliveryLimit;
    const budgetMs = this.options.retryBudgetMs ?? 60_000;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const lastChance = lastDelivery && Date.now() - started >= budgetMs;
      try {
        await this.options.handle(parsed, {
          redelivered: msg.fields.redelivered,
          deliveryCount,
          lastChance,
          publishedAtMs,
        });
        safely(() => channel.ack(msg));
        return;
      } catch (e) {
        if (classifyFailure(e) !== 'retryable' || lastChance) {
          logger.error({ err: e, queue, deliveryCount }, 'permanent failure; dead-lettering');
          safely(() => channel.nack(msg, false, false));
          return;
        }
        const delay = Math.min((this.options.retryDelayMs ?? 1000) * 2 ** attempt, 30_000);
        const budgetLeft = Date.now() - started + delay <= budgetMs;
        if (this.subscription.stopping || (!budgetLeft && !lastDelivery)) {
          logger.warn({ err: e, queue, deliveryCount }, 'retryable failure; requeueing');
          safely(() => channel.nack(msg, false, true));
          return;
        }
        logger.warn({ err: e, queue, deliveryCount, attempt }, 'retryable failure; retrying');
        // On the last delivery, wait out the budget so the final try gets its last chance.
        await sleep(budgetLeft ? delay : Math.max(0, budgetMs - (Date.now() - started)));
      }
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The publish time in ms: our header, else the AMQP timestamp (whole seconds), else null. */
function publishedAtOf(properties: { headers?: Record<string, unknown>; timestamp?: unknown }) {
  const ms = Number(properties.headers?.[PUBLISHED_AT_HEADER]);
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(properties.timestamp);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}
