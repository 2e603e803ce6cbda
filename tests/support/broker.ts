import { randomBytes, randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { JobStoredMessage } from '@ingest/contracts';
import {
  AmqpConnection,
  deleteTopology,
  topologyFor,
  type AmqpConnectionOptions,
  type ConsumerLogger,
} from '@ingest/rabbitmq';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The broker's port, for a proxy in front of it. */
export const RABBITMQ_PORT = Number(new URL(RABBITMQ_URL).port || 5672);

/** RABBITMQ_URL with another local port (a proxy's), same credentials and vhost. */
export const urlOnPort = (port: number): string => {
  const url = new URL(RABBITMQ_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
};

/** An AmqpConnection that remembers the channels it handed out, to prove none is left open. */
export class TrackedConnection extends AmqpConnection {
  readonly queuePrefix: string;
  private readonly live = new Set<Channel>();

  constructor(options: AmqpConnectionOptions) {
    super(options);
    this.queuePrefix = options.queuePrefix;
  }

  get openChannels(): number {
    return this.live.size;
  }

  override async channel(): Promise<Channel> {
    return this.track(await super.channel());
  }

  override async confirmChannel(): Promise<ConfirmChannel> {
    return this.track(await super.confirmChannel());
  }

  private track<C extends Channel>(channel: C): C {
    this.live.add(channel);
    channel.once('close', () => this.live.delete(channel));
    return channel;
  }
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  msg: string | undefined;
}

export const recordingLogger = (): ConsumerLogger & { entries: LogEntry[] } => {
  const entries: LogEntry[] = [];
  return {
    entries,
    info: (_obj, msg) => entries.push({ level: 'info', msg }),
    warn: (_obj, msg) => entries.push({ level: 'warn', msg }),
    error: (_obj, msg) => entries.push({ level: 'error', msg }),
  };
};

/** A valid message of the jobs queue. */
export const jobStored = (): JobStoredMessage => ({
  type: 'job.stored',
  version: 1,
  jobId: randomUUID(),
});

/** Polls `read` until `done` holds for its value, and returns that value; throws after `timeoutMs`. */
export async function eventually<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Open TCP sockets of this process: each broker connection holds one. */
const openSockets = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

/**
 * The real broker for one test file: a queue prefix unique to the file (one
 * topology per test under it, each with its own delivery limit), a raw
 * channel outside the code under test to look at queues, and a guard that
 * fails a test which leaves a connection open. Every topology is deleted afterwards.
 */
export function useBroker() {
  const filePrefix = `rmq${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  let topologies = 0;
  const prefixes: string[] = [];
  const connections: AmqpConnection[] = [];
  const proxies: TcpProxy[] = [];
  let inspector: ChannelModel | undefined;
  let socketsBefore = 0;

  /** A fresh channel of the inspecting connection (one per call: a failed check closes it). */
  const rawChannel = async (): Promise<ConfirmChannel> => {
    inspector ??= await amqp.connect(RABBITMQ_URL);
    const channel = await inspector.createConfirmChannel();
    channel.on('error', () => undefined);
    return channel;
  };
  const withChannel = async <T>(fn: (c: ConfirmChannel) => Promise<T>): Promise<T> => {
    const channel = await rawChannel();
    try {
      return await fn(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  };

  beforeAll(async () => {
    await rawChannel().then((c) => c.close());
  });
  beforeEach(() => {
    socketsBefore = openSockets();
  });
  afterEach(async () => {
    const left = await eventually(openSockets, (n) => n <= socketsBefore, 2000).catch(() =>
      openSockets(),
    );
    // Closed either way, so that a leak fails only the test that made it.
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await withChannel(async (c) => {
      for (const prefix of prefixes.splice(0)) await deleteTopology(c, topologyFor(prefix));
    });
    expect({ socketsLeftOpen: left - socketsBefore }).toEqual({ socketsLeftOpen: 0 });
  });
  afterAll(async () => {
    await inspector?.close();
  });

  return {
    /**
     * A connection on a topology of its own (declared when first used), or with
     * `queuePrefix` on another connection's, as a second process would be.
     * The test closes it.
     */
    connect(options: Partial<AmqpConnectionOptions> = {}): TrackedConnection {
      const queuePrefix = options.queuePrefix ?? `${filePrefix}.${++topologies}.`;
      if (!prefixes.includes(queuePrefix)) prefixes.push(queuePrefix);
      const connection = new TrackedConnection({ url: RABBITMQ_URL, ...options, queuePrefix });
      connections.push(connection);
      return connection;
    },

    /** A proxy in front of the broker for network faults (closed after the test); connect through `url`. */
    async proxy(): Promise<TcpProxy & { url: string }> {
      const proxy = await startTcpProxy(RABBITMQ_PORT);
      proxies.push(proxy);
      return Object.assign(proxy, { url: urlOnPort(proxy.port) });
    },

    /** Ready messages and consumers of a queue, as the broker counts them. */
    depth: (queue: string) =>
      withChannel(async (c) => {
        const q = await c.checkQueue(queue);
        return { messages: q.messageCount, consumers: q.consumerCount };
      }),

    /** Publishes a body (JSON unless a Buffer) straight to a queue, confirmed. */
    send: (queue: string, body: unknown, options: amqp.Options.Publish = {}) =>
      withChannel(async (c) => {
        const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
        c.sendToQueue(queue, bytes, { persistent: true, ...options });
        await c.waitForConfirms();
      }),

    /** Takes one message off a queue (acked), or null when it is empty. */
    take: (queue: string) =>
      withChannel(async (c) => {
        const msg = await c.get(queue);
        if (msg) c.ack(msg);
        return msg || null;
      }),

    /**
     * Consumes `queue` as a consumer that crashes on every delivery would:
     * each message goes back unsettled. Returns each delivery's x-delivery-count
     * once nothing has arrived for `quietMs`.
     */
    returnEveryDelivery: (queue: string, quietMs = 500) =>
      withChannel(async (c) => {
        const counts: number[] = [];
        let last = Date.now();
        await c.consume(queue, (msg) => {
          if (!msg) return;
          counts.push(Number(msg.properties.headers?.['x-delivery-count'] ?? 0));
          last = Date.now();
          c.nack(msg, false, true);
        });
        await eventually(
          () => Date.now() - last,
          (quiet) => quiet >= quietMs,
          30_000,
        );
        return counts;
      }),

    /** Declares a queue with arguments on a throwaway channel: resolves, or rejects as the broker answers. */
    declare: (queue: string, args: Record<string, unknown>) =>
      withChannel(async (c) => {
        await c.assertQueue(queue, { durable: true, arguments: args });
      }),
  };
}
