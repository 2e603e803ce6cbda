import { IngestMetrics } from '@ingest/metrics';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { observeRequests, routeOf } from './request-log';

describe('routeOf', () => {
  it.each([
    ['/v1/jobs', '/v1/jobs'],
    ['/v1/jobs/raw', '/v1/jobs/raw'],
    ['/v1/jobs/6f1c2f52-6a55-4c1e-9d5e-0a0b0c0d0e0f', '/v1/jobs/{id}'],
    ['/v1/jobs/x/rejects', '/v1/jobs/{id}/rejects'],
    ['/v1/webhooks/deliveries', '/v1/webhooks/deliveries'],
    ['/v1/webhooks/deliveries/msg_1/redeliver', '/v1/webhooks/deliveries/{id}/redeliver'],
    ['/docs/swagger-ui.css', '/docs'],
    ['/nothing/here', 'other'],
  ])('%s → %s', (path, route) => {
    expect(routeOf(path)).toBe(route);
  });
});

describe('observeRequests', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const app = express();
  app.use(
    observeRequests(pino({ base: { service: 'gateway' } }, sink), new IngestMetrics('gateway')),
  );
  app.get('/v1/jobs/:id', (_req, res) => {
    res.locals.caller = { tenant: 'acme' };
    res.status(404).json({});
  });
  let base = '';
  const server = app.listen(0, '127.0.0.1');
  beforeAll(async () => {
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const lastLine = async () => {
    await new Promise((r) => setTimeout(r, 50));
    return lines[lines.length - 1];
  };

  it('echoes a valid X-Request-Id and logs one JSON line with it', async () => {
    const id = '6f1c2f52-6a55-4c1e-9d5e-0a0b0c0d0e0f';
    const res = await fetch(`${base}/v1/jobs/${id}`, {
      headers: { 'X-Request-Id': 'trace.42:a-b_c' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace.42:a-b_c');
    expect(await lastLine()).toMatchObject({
      msg: 'request',
      service: 'gateway',
      requestId: 'trace.42:a-b_c',
      method: 'GET',
      path: `/v1/jobs/${id}`,
      route: '/v1/jobs/{id}',
      status: 404,
      tenant: 'acme',
      jobId: id,
    });
    expect(typeof (await lastLine())?.durationMs).toBe('number');
  });

  it('replaces a missing or malformed id with a generated one', async () => {
    for (const given of [undefined, 'has spaces', 'x'.repeat(129)]) {
      const res = await fetch(`${base}/v1/jobs/1`, {
        headers: given === undefined ? {} : { 'X-Request-Id': given },
      });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await lastLine())?.requestId).toBe(id);
    }
  });
});
