import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Any request the receiver answered, with the status it answered. */
export interface ReceivedRequest extends ReceivedWebhook {
  status: number;
}

/**
 * A real HTTP server that records every POST; `failFirst` answers 503 that
 * many times. `received` holds the accepted (204) ones, `requests` all of them.
 * It can be stopped and started again on the same port (a receiver that was down).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly requests: ReceivedRequest[] = [];
  attempts = 0;
  private server: Server | undefined;
  private port = 0;

  constructor(public failFirst = 0) {}

  /** Listens on `port` (default: the port of an earlier start, else any free one). */
  async start(port = this.port): Promise<string> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        this.attempts++;
        const webhook = { headers: req.headers, body: Buffer.concat(parts).toString('utf8') };
        const status = this.attempts <= this.failFirst ? 503 : 204;
        this.requests.push({ ...webhook, status });
        if (status === 204) this.received.push(webhook);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async waitFor(count: number, timeoutMs = 30_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} webhooks, got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.received;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
