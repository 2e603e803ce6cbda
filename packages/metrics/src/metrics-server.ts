import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IngestMetrics } from './ingest-metrics';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A worker's own HTTP listener for `GET /metrics` (workers serve no other HTTP).
 * Anything else is a 404: the port exposes nothing but the exposition.
 */
export async function startMetricsServer(
  metrics: IngestMetrics,
  options: { host: string; port: number },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(e)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
