import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uncopiedBodyRequest, uncopiedBodyStream } from './uncopied-body-request';

/** A server that hands each request to `onRequest`; the test answers it. */
async function serve(
  onRequest: (req: IncomingMessage) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    onRequest(req);
    req.once('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const next = <T>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return chunks;
}

/** The test's server, closed after it. */
let server: Server | undefined;
afterEach(async () => {
  const open = server;
  server = undefined;
  if (open) await new Promise((resolve) => open.close(resolve));
});

describe('uncopiedBodyStream', () => {
  it("yields every byte of the body, as the request parser's own Buffers", async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const got = next<Uint8Array[]>();
    const s = await serve((req) => void readAll(uncopiedBodyStream(req)).then(got.resolve));
    server = s.server;
    const client = request({ port: s.port, method: 'PATCH', path: '/' });
    for (let at = 0; at < body.length; at += 256 * 1024)
      client.write(body.subarray(at, at + 256 * 1024));
    client.end();
    const chunks = await got.promise;
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    // Readable.toWeb hands on fresh Uint8Arrays: a Buffer is the parser's chunk, not a copy.
    expect(chunks.every((c) => Buffer.isBuffer(c))).toBe(true);
  });

  it('pauses the request while a megabyte waits unread, and resumes it when read', async () => {
    const seen = next<{ req: IncomingMessage; stream: ReadableStream<Uint8Array> }>();
    const s = await serve((req) => seen.resolve({ req, stream: uncopiedBodyStream(req) }));
    server = s.server;
    const client = request({ port: s.port, method: 'PATCH', path: '/' });
    client.on('error', () => undefined);
    const piece = randomBytes(64 * 1024);
    const total = 8 * 1024 * 1024;
    const writing = (async () => {
      for (let sent = 0; sent < total; sent += piece.length) {
        if (!client.write(piece)) await new Promise((r) => client.once('drain', r));
      }
      client.end();
    })();
    const { req, stream } = await seen.promise;
    while (!req.isPaused()) await new Promise((r) => setTimeout(r, 10));
    expect(req.isPaused()).toBe(true);
    const chunks = await readAll(stream);
    await writing;
    expect(chunks.reduce((n, c) => n + c.byteLength, 0)).toBe(total);
  });

  it('errors the stream when the client goes away before the end', async () => {
    const seen = next<ReadableStream<Uint8Array>>();
    const s = await serve((req) => seen.resolve(uncopiedBodyStream(req)));
    server = s.server;
    const client = request({
      port: s.port,
      method: 'PATCH',
      path: '/',
      headers: { 'content-length': String(1024 * 1024) },
    });
    client.on('error', () => undefined);
    client.write(randomBytes(1024));
    const stream = await seen.promise;
    client.destroy();
    await expect(readAll(stream)).rejects.toThrow();
  });
});

describe('uncopiedBodyRequest', () => {
  it("is srvx's request, with no body for HEAD and the uncopied stream for PATCH", async () => {
    const seen: { method: string; offset: string | null; body: string | null }[] = [];
    server = createServer((req, res) => {
      const web = uncopiedBodyRequest(req, res);
      const body = web.body;
      void (
        body ? readAll(body).then((c) => Buffer.concat(c).toString()) : Promise.resolve(null)
      ).then((text) => {
        seen.push({ method: web.method, offset: web.headers.get('upload-offset'), body: text });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const headers = { 'upload-offset': '0' };
    await fetch(url, { method: 'HEAD', headers });
    await fetch(url, { method: 'PATCH', headers, body: 'id,name\n1,a\n' });
    expect(seen).toEqual([
      { method: 'HEAD', offset: '0', body: null },
      { method: 'PATCH', offset: '0', body: 'id,name\n1,a\n' },
    ]);
  });
});
