import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server, for network faults: hold back what
 * the server sends (a stalled broker), drop every connection (a network cut),
 * refuse new ones (the server is down).
 */
export interface TcpProxy {
  port: number;
  /** Holds back everything the server sends until thaw(); clients' bytes still reach it. */
  freeze(): void;
  thaw(): void;
  /** Resets every open connection, as a network cut does. */
  cut(): void;
  /** While on, new connections are reset at once. */
  refuse(on: boolean): void;
  /**
   * Caps what the server sends to each connection at `bytesPerSecond` (0: no cap),
   * a slow network or a slow object store.
   */
  throttle(bytesPerSecond: number): void;
  /** Bytes the server sent through the proxy so far (headers and all). */
  readonly bytesFromServer: number;
  /** Connections opened so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startTcpProxy(
  targetPort: number,
  targetHost = '127.0.0.1',
): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const held: [Socket, Buffer][] = [];
  let frozen = false;
  let refusing = false;
  let accepted = 0;
  let rate = 0;
  let bytesFromServer = 0;

  const server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d: Buffer) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      bytesFromServer += d.length;
      if (frozen) held.push([client, d]);
      else client.write(d);
      if (rate > 0) {
        // Read nothing more from the server until this piece's share of the rate has passed.
        upstream.pause();
        setTimeout(() => upstream.resume(), (d.length / rate) * 1000);
      }
    });
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const cut = () => {
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    get bytesFromServer() {
      return bytesFromServer;
    },
    throttle: (bytesPerSecond) => {
      rate = bytesPerSecond;
    },
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const [client, d] of held.splice(0)) if (!client.destroyed) client.write(d);
    },
    cut,
    refuse: (on) => {
      refusing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
