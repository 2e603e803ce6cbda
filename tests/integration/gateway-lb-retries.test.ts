/**
 * The HAProxy in front of the gateways (infra/ha/gateway-lb.sh, as `npm start` and compose run
 * it): its timeouts outlast the gateway's, and it replays a request a backend received but never
 * answered only when that cannot load a file twice. The backends here are two small HTTP servers
 * on free ports: one drops every upload without an answer (a gateway that died mid-request),
 * the other accepts it.
 */
import { gatewayEnvSchema, parseEnv } from '@ingest/config';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGatewayLb, type GatewayLb } from '../support/gateway-lb';

interface Backend {
  name: string;
  port: number;
  /** Upload ids (x-upload-id) each backend received, in order. */
  received: string[];
  server: Server;
}

async function startBackend(name: string, answer: boolean): Promise<Backend> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET') return void res.end('ok'); // /readyz, /healthz
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['x-upload-id']));
      if (answer) res.writeHead(202).end('{}');
      else req.socket.destroy(); // read it all, then die without a word
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { name, port: (server.address() as AddressInfo).port, received, server };
}

/** "6h" / "30s" / "2000" (ms) as milliseconds. */
const toMs = (value: string): number => {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!m) throw new Error(`not a HAProxy time: ${value}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms'] ?? 1;
  return Number(m[1]) * unit;
};

describe('HAProxy in front of the gateways', () => {
  let dropper: Backend;
  let acceptor: Backend;
  let lb: GatewayLb;

  beforeAll(async () => {
    dropper = await startBackend('dropper', false);
    acceptor = await startBackend('acceptor', true);
    lb = await startGatewayLb([dropper, acceptor]);
    // Both in rotation (rise 2 × 1 s) before the round robin is counted on.
    await new Promise((r) => setTimeout(r, 2500));
  });

  afterAll(async () => {
    await lb?.stop();
    for (const b of [dropper, acceptor]) b?.server.close();
  });

  it('gives up on neither side before the gateway does', () => {
    const env = parseEnv(gatewayEnvSchema, {});
    const timeout = (name: string) => {
      const m = new RegExp(`^\\s*timeout ${name} (\\S+)$`, 'm').exec(lb.config);
      if (!m?.[1]) throw new Error(`no "timeout ${name}" in the rendered configuration`);
      return toMs(m[1]);
    };
    // The gateway judges a silent or slow client first, and answers it.
    expect(timeout('client')).toBeGreaterThan(env.GATEWAY_IDLE_TIMEOUT_MS);
    expect(timeout('client')).toBeGreaterThan(env.GATEWAY_SLOW_UPLOAD_WINDOW_MS);
    // Storing a large upload's last part may take the gateway minutes: HAProxy waits longer.
    expect(timeout('server')).toBeGreaterThanOrEqual(3_600_000);
    expect(timeout('http-request')).toBeGreaterThanOrEqual(30_000);
  });

  /**
   * The status the client got, or `closed`: on a reused client connection HAProxy closes it
   * without an answer instead of a 502 (so that clients replay what is safe to replay).
   */
  const upload = async (id: string, method: 'POST' | 'PUT', key?: string) => {
    try {
      const res = await fetch(`${lb.url}/v1/jobs${method === 'PUT' ? '/raw' : ''}`, {
        method,
        headers: { 'x-upload-id': id, ...(key ? { 'idempotency-key': key } : {}) },
        body: 'id,name\n1,Ada\n',
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 'closed';
    }
  };
  const receipts = (id: string) =>
    [...dropper.received, ...acceptor.received].filter((r) => r === id).length;

  it('never replays an upload without an Idempotency-Key that a gateway received', async () => {
    const statuses: (number | 'closed')[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(await upload(`plain-${i}`, i % 2 === 0 ? 'POST' : 'PUT'));
      expect(receipts(`plain-${i}`)).toBe(1);
    }
    // Round robin: some went to the dropper, and their clients were told, not replayed.
    expect(statuses.filter((s) => s === 502 || s === 'closed').length).toBeGreaterThan(0);
    expect(statuses).toContain(202);
    expect(dropper.received.filter((r) => r.startsWith('plain-')).length).toBeGreaterThan(0);
  });

  it('replays an upload with an Idempotency-Key on another gateway', async () => {
    const statuses: (number | 'closed')[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(await upload(`keyed-${i}`, i % 2 === 0 ? 'POST' : 'PUT', `key-${i}`));
    }
    expect(statuses).toEqual([202, 202, 202, 202]);
    const replayed = dropper.received.filter((r) => r.startsWith('keyed-'));
    expect(replayed.length).toBeGreaterThan(0);
    for (const id of replayed) expect(acceptor.received).toContain(id);
  });
});
