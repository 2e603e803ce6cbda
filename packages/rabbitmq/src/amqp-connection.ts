import { errors } from '@ingest/errors';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { DEFAULT_DELIVERY_LIMIT, assertTopology, topologyFor, type Topology } from './topology';

export interface AmqpConnectionOptions {
  url: string;
  queuePrefix: string;
  /** How long a connection attempt may take before the broker counts as unreachable. Default 5 s. */
  connectTimeoutMs?: number;
  /** Deliveries before a message is dead-lettered (a queue argument). Default DEFAULT_DELIVERY_LIMIT. */
  deliveryLimit?: number;
}

/**
 * One broker connection per process, opened lazily and reopened after it drops.
 * Holders ask for channels; a dropped connection makes them ask again.
 */
export class AmqpConnection {
  readonly topology: Topology;
  readonly deliveryLimit: number;
  private model: ChannelModel | undefined;
  private connecting: Promise<ChannelModel> | undefined;
  private closed = false;
  private readonly dropListeners = new Set<() => void>();

  constructor(private readonly options: AmqpConnectionOptions) {
    this.topology = topologyFor(options.queuePrefix);
    this.deliveryLimit = options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
  }

  /** Registers a callback run whenever the connection is lost (not on close()). */
  onDrop(listener: () => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  async connection(): Promise<ChannelModel> {
    if (this.closed) throw errors.queueUnavailable(new Error('connection closed'));
    if (this.model) return this.model;
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  async channel(): Promise<Channel> {
    return (await this.connection()).createChannel();
  }

  async confirmChannel(): Promise<ConfirmChannel> {
    return (await this.connection()).createConfirmChannel();
  }

  async ping(): Promise<void> {
    const channel = await this.channel();
    await channel.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const model = this.model;
    this.model = undefined;
    if (model) await model.close().catch(() => undefined);
  }

  private async open(): Promise<ChannelModel> {
    let model: ChannelModel;
    try {
      model = await amqp.connect(this.options.url, {
        timeout: this.options.connectTimeoutMs ?? 5000,
        clientProperties: { connection_name: `ingest:${process.pid}` },
      });
    } catch (e) {
      throw errors.queueUnavailable(e);
    }
    // An 'error' event without a listener would crash the process; 'close' follows it.
    model.on('error', () => undefined);
    model.on('close', () => {
      if (this.model === model) this.model = undefined;
      if (!this.closed) for (const listener of this.dropListeners) listener();
    });
    const setup = await model.createChannel();
    await assertTopology(setup, this.topology, this.deliveryLimit);
    await setup.close();
    if (this.closed) {
      // close() came while this connection was opening: it must not outlive close().
      await model.close().catch(() => undefined);
      throw errors.queueUnavailable(new Error('connection closed'));
    }
    this.model = model;
    return model;
  }
}
