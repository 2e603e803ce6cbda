/**
 * The timeout chain client → HAProxy → gateway → storage, for real: storage is held back by a
 * TCP proxy (as a busy S3 completing a large upload is), the gateway's idle timeout is 1 s.
 * The gateway judges only the client's silence: busy storing, it still answers (through the
 * real HAProxy), and a client that gave up meanwhile gets no job behind its back.
 */
import { connect } from 'node:net';
import { useTestSystem } from '@ingest/testing';
import { startGatewayLb, type GatewayLb } from '../support/gateway-lb';
import { listObjectKeys } from '../support/s3-objects';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const S3_PORT = Number(new URL(process.env.S3_ENDPOINT ?? 'http://127.0.0.1:4569').port);
const IDLE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('upload timeouts: the gateway judges the client, not itself', () => {
  let storage: TcpProxy;
  const ctx = useTestSystem(
    async () => {
      storage = await startTcpProxy(S3_PORT);
      return {
        S3_ENDPOINT: `http://127.0.0.1:${storage.port}`,
        GATEWAY_IDLE_TIMEOUT_MS: String(IDLE_MS),
      };
    },
    { splitter: false, loaders: 0, notifier: false },
  );
  let lb: GatewayLb;

  beforeAll(async () => {
    lb = await startGatewayLb([{ name: 'gw1', port: Number(new URL(ctx.system.baseUrl).port) }]);
  });

  afterAll(async () => {
    await lb?.stop();
    storage?.thaw();
  });

  afterAll(async () => {
    await storage?.close();
  });

  const jobsOf = async (table: string) =>
    (
      await ctx.db.query<{ id: string }>('SELECT id FROM ingest.jobs WHERE table_name = $1', [
        table,
      ])
    ).rows;
  const storedUploads = async () =>
    (await listObjectKeys({ ...ctx.t.env, S3_ENDPOINT: `http://127.0.0.1:${S3_PORT}` })).filter(
      (k) => k.startsWith('uploads/'),
    );

  it('answers an upload whose storing outlasts its idle timeout: 202 through HAProxy, one job', async () => {
    storage.freeze();
    const thawed = sleep(3 * IDLE_MS).then(() => storage.thaw());
    const t0 = Date.now();
    const res = await fetch(`${lb.url}/v1/jobs/raw?table=slow_store`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${ctx.system.apiKey}` },
      body: 'id,name\n1,Ada\n2,Grace\n',
    });
    await thawed;
    expect(res.status).toBe(202);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3 * IDLE_MS);
    const job = (await res.json()) as { id: string };
    expect((await jobsOf('slow_store')).map((r) => r.id)).toEqual([job.id]);
  });

  it('still closes the connection of a client that goes silent mid-body', async () => {
    const port = Number(new URL(ctx.system.baseUrl).port);
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    const t0 = Date.now();
    socket.write(
      'PUT /v1/jobs/raw?table=silent_client HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${ctx.system.apiKey}\r\nContent-Length: 1000\r\n\r\nid,name\n`,
    );
    const after = (await closed) - t0;
    expect(after).toBeGreaterThanOrEqual(IDLE_MS * 0.9);
    expect(after).toBeLessThan(IDLE_MS * 5);
    expect(await jobsOf('silent_client')).toEqual([]);
  });

  it('creates no job for a client that gave up while the upload was being stored', async () => {
    const before = await storedUploads();
    storage.freeze();
    const port = Number(new URL(ctx.system.baseUrl).port);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    const body = 'id,name\n1,Ada\n';
    socket.write(
      'PUT /v1/jobs/raw?table=gave_up HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${ctx.system.apiKey}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await sleep(500); // the body is in; storage holds the answer back
    socket.destroy(); // the client (or a proxy in front) gives up
    await sleep(500);
    storage.thaw();
    await sleep(1500);
    expect(await jobsOf('gave_up')).toEqual([]);
    // Its stored copy is removed again.
    expect(await storedUploads()).toEqual(before);
  });
});
