/**
 * HAProxy in front of the gateways (infra/ha/gateway-lb.sh, the configuration `npm start` and
 * docker compose use) answers what it refuses itself in the API's JSON error shape.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@ingest/testing';

const ROOT = resolve(__dirname, '../..');

const listening = (port: number) =>
  new Promise<boolean>((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });

/**
 * A gateway that is healthy (GET /readyz answers 200) but answers everything else with bytes
 * that are not HTTP, as a crashing or misbehaving process might.
 */
const startBrokenGateway = (port: number) =>
  new Promise<Server>((ok, fail) => {
    const server = createServer((socket) => {
      socket.once('data', (head: Buffer) => {
        const healthCheck = head.toString('latin1').startsWith('GET /readyz ');
        socket.end(
          healthCheck ? 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' : 'NOT HTTP\r\n\r\n',
        );
      });
      socket.on('error', () => undefined);
    });
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok(server));
  });

describe('HAProxy in front of the gateways', () => {
  let lb: ChildProcess | undefined;
  let gateway: Server | undefined;
  let haDir = '';
  let baseUrl = '';
  let output = '';

  beforeAll(async () => {
    // infra/ha/install.sh (run by npm test) installs it; without it this test cannot say anything.
    execFileSync('haproxy', ['-v']);
    haDir = mkdtempSync(join(tmpdir(), 'gateway-lb-'));
    const [port, gatewayPort] = [await freePort(), await freePort()];
    baseUrl = `http://127.0.0.1:${port}`;
    gateway = await startBrokenGateway(gatewayPort);
    // The script execs HAProxy: this child is HAProxy itself.
    lb = spawn('bash', ['infra/ha/gateway-lb.sh', String(port), `gw1=127.0.0.1:${gatewayPort}`], {
      cwd: ROOT,
      env: { ...process.env, HA_DIR: haDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    lb.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    lb.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await listening(port))) {
      if (Date.now() > deadline || lb.exitCode !== null) {
        throw new Error(`gateway-lb did not listen on ${port}: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (lb && lb.exitCode === null && lb.signalCode === null) {
      const exited = new Promise((r) => lb?.once('exit', r));
      lb.kill('SIGTERM');
      await exited;
    }
    if (haDir) rmSync(haDir, { recursive: true, force: true });
    await new Promise((r) => (gateway?.listening ? gateway.close(r) : r(undefined)));
  });

  it('502 BAD_GATEWAY in JSON when a gateway answers something that is not HTTP', async () => {
    const res = await fetch(`${baseUrl}/v1/jobs`);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_GATEWAY');
  });

  it('503 GATEWAY_UNAVAILABLE in JSON, with Retry-After, once no gateway is up', async () => {
    await new Promise((r) => gateway?.close(r));
    // The health checks take the gateway out of rotation within a few seconds.
    const deadline = Date.now() + 15_000;
    let res = await fetch(`${baseUrl}/v1/jobs`);
    while (res.status !== 503 && Date.now() < deadline) {
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 200));
      res = await fetch(`${baseUrl}/v1/jobs`);
    }
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      error: { code: 'GATEWAY_UNAVAILABLE', message: 'no gateway is available; retry shortly' },
    });
  });
});
