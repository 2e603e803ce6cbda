import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { judgeClientSilenceOnly } from './http/client-silence';
import { holdContinue } from './http/expect-continue';

export interface HttpServerOptions {
  host: string;
  port: number;
  /**
   * A connection whose client sends (or reads) nothing for this long is closed (a stalled
   * client); time the gateway itself is working (storing, recording) does not count.
   */
  idleTimeoutMs: number;
}

/**
 * The HTTP server around the app, with timeouts chosen for multi-GB uploads:
 * Node's default requestTimeout (300 s) would cut off any 10 GB upload slower
 * than ~34 MB/s, so the whole-request timeout is off; headers, idle sockets and
 * the upload pace (see metered-upload) stay bounded instead.
 */
export class HttpService {
  private server: Server | undefined;

  constructor(
    private readonly app: Express,
    private readonly options: HttpServerOptions,
  ) {}

  async start(): Promise<AddressInfo> {
    const server = this.app.listen(this.options.port, this.options.host);
    server.requestTimeout = 0;
    server.headersTimeout = 30_000;
    // Trickling clients are cut by the upload's minimum pace; silent ones by this, but
    // never while the gateway is the one working (a proxy would answer 502 meanwhile).
    server.timeout = this.options.idleTimeoutMs;
    server.on('request', judgeClientSilenceOnly);
    server.keepAliveTimeout = 5_000;
    // `Expect: 100-continue`: no automatic 100; the route sends it once the request is accepted.
    server.on('checkContinue', (req, res) => {
      holdContinue(req);
      server.emit('request', req, res);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return server.address() as AddressInfo;
  }

  /** Stops accepting connections and lets in-flight requests finish (up to `graceMs`). */
  async stop(graceMs = 30_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeIdleConnections();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
  }
}
