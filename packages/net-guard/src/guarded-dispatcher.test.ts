import { createServer, type Server } from 'node:http';
import net, { type AddressInfo, type LookupFunction } from 'node:net';
import tls from 'node:tls';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { parseCidrs } from './cidr';
import { createGuardedDispatcher } from './guarded-dispatcher';
import type { Resolver } from './resolver';
import { corpusResolver, SSRF_REFUSED } from './ssrf-corpus';
import { assertWebhookUrl } from './webhook-url';

/**
 * "Refused without a connection being made", proven two ways: a real HTTP
 * server on 127.0.0.1 counts the TCP connections it accepts, and a spy on
 * net.connect / tls.connect records every address a socket is handed (as a
 * literal host or through its lookup). The spy is also a safety net: it
 * blocks any address but 127.0.0.1, so even a broken guard could never send
 * a packet to a private or public address from this test.
 */
let server: Server;
let port: number;
let accepted = 0;
let attempts: string[] = [];

const safetyNet = <T extends { host?: string | undefined; lookup?: LookupFunction | undefined }>(
  options: T,
): T => {
  const host = options.host ?? '';
  if (net.isIP(host) !== 0) {
    attempts.push(host);
    if (host !== '127.0.0.1') throw new Error(`test safety net: no socket to ${host}`);
    return options;
  }
  const lookup = options.lookup;
  if (lookup === undefined) throw new Error(`test safety net: unguarded lookup of ${host}`);
  const recording: LookupFunction = (hostname, lookupOptions, callback) =>
    lookup(hostname, lookupOptions, (err, address, family) => {
      if (err !== null) return callback(err, address, family);
      const handed = typeof address === 'string' ? [address] : address.map((a) => a.address);
      attempts.push(...handed);
      if (handed.some((a) => a !== '127.0.0.1')) {
        return callback(new Error(`test safety net: no socket to ${handed.join(', ')}`), '');
      }
      return callback(null, address, family);
    });
  return { ...options, lookup: recording };
};

beforeAll(async () => {
  const realNet = net.connect.bind(net) as (options: net.NetConnectOpts) => net.Socket;
  const realTls = tls.connect.bind(tls) as (options: tls.ConnectionOptions) => tls.TLSSocket;
  jest
    .spyOn(net, 'connect')
    .mockImplementation(((options: net.TcpNetConnectOpts) =>
      realNet(safetyNet(options))) as typeof net.connect);
  jest
    .spyOn(tls, 'connect')
    .mockImplementation(((options: tls.ConnectionOptions) =>
      realTls(safetyNet(options))) as typeof tls.connect);
  server = createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    } else {
      res.end('delivered');
    }
  });
  server.on('connection', () => accepted++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  jest.restoreAllMocks();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  accepted = 0;
  attempts = [];
});

type Fetch = (url: string, dispatcher: Dispatcher) => Promise<{ status: number; body: string }>;

const viaUndici: Fetch = async (url, dispatcher) => {
  const init = { method: 'POST', body: '{}', redirect: 'manual' as const, dispatcher };
  const response = await undiciFetch(url, init);
  return { status: response.status, body: await response.text() };
};
// Node 20's own fetch (undici 6 inside) accepts this undici 6 Agent as well.
const viaGlobal: Fetch = async (url, dispatcher) => {
  const init = { method: 'POST', body: '{}', redirect: 'manual', dispatcher } as RequestInit;
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text() };
};

/**
 * Under jest, Node's built-in fetch runs in another realm: our AppError fails
 * its `instanceof Error` and is rewrapped as `new Error(String(err))`, so only
 * "AppError: <message>" survives, without `code`. undici's own fetch keeps
 * the AppError itself (and so does the built-in one outside jest).
 */
const FETCHES: [string, Fetch, { keepsCode: boolean }][] = [
  ['undici fetch', viaUndici, { keepsCode: true }],
  ['global fetch', viaGlobal, { keepsCode: false }],
];

/** The refusal fetch reports: TypeError('fetch failed') caused by the guard's error. */
const refusalOf = async (
  attempt: Promise<unknown>,
): Promise<{ code?: string; message: string }> => {
  try {
    await attempt;
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message: string } }).cause;
    if (cause !== undefined) return { code: cause.code, message: cause.message };
    throw e;
  }
  throw new Error('expected the request to be refused');
};

const withDispatcher = async <T>(
  dispatcher: Dispatcher,
  use: (d: Dispatcher) => Promise<T>,
): Promise<T> => {
  try {
    return await use(dispatcher);
  } finally {
    await dispatcher.close();
  }
};

/** A resolver that answers differently over time: the DNS rebinding attack. */
const rebinding = (...answers: string[][]): jest.Mock<Promise<string[]>, [string]> => {
  let call = 0;
  return jest.fn((_host: string) => {
    const answer = answers[Math.min(call++, answers.length - 1)] ?? [];
    return Promise.resolve(answer);
  });
};

describe.each(FETCHES)('createGuardedDispatcher with %s', (_name, send, { keepsCode }) => {
  /** The guard refused (not, say, a connection error). */
  const expectForbidden = (cause: { code?: string; message: string }) => {
    expect(cause.message).toMatch(/^(AppError: )?webhook host /);
    if (keepsCode) expect(cause.code).toBe('WEBHOOK_URL_FORBIDDEN');
  };

  it('connects when the allow-list opens the address (the probe sees the connection)', async () => {
    const allow = parseCidrs('127.0.0.0/8');
    const resolve: Resolver = () => Promise.resolve(['127.0.0.1']);
    await withDispatcher(createGuardedDispatcher(allow, { resolve }), async (dispatcher) => {
      await expect(send(`http://127.0.0.1:${port}/hook`, dispatcher)).resolves.toEqual({
        status: 200,
        body: 'delivered',
      });
      await expect(send(`http://receiver.test:${port}/hook`, dispatcher)).resolves.toMatchObject({
        status: 200,
      });
    });
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(attempts).toContain('127.0.0.1');
  });

  it.each([
    '127.0.0.1',
    '127.1',
    '2130706433',
    '0x7f000001',
    '0177.0.0.1',
    '[::ffff:127.0.0.1]',
    'localhost',
    'localhost.',
    'rebind.test',
  ])('refuses %s on the local server without connecting', async (host) => {
    const resolve: Resolver = () => Promise.resolve(['127.0.0.1']);
    const cause = await withDispatcher(createGuardedDispatcher([], { resolve }), (dispatcher) =>
      refusalOf(send(`http://${host}:${port}/hook`, dispatcher)),
    );
    expectForbidden(cause);
    expect(cause.message).toContain('loopback (127.0.0.0/8)');
    expect(accepted).toBe(0);
    expect(attempts).toEqual([]);
  });

  it('refuses localhost through the system resolver without connecting', async () => {
    const cause = await withDispatcher(createGuardedDispatcher([]), (dispatcher) =>
      refusalOf(send(`http://localhost:${port}/hook`, dispatcher)),
    );
    expectForbidden(cause);
    expect(accepted).toBe(0);
    expect(attempts).toEqual([]);
  });

  it('DNS rebinding: public at registration, 127.0.0.1 at delivery, is refused at delivery', async () => {
    const resolve = rebinding(['93.184.216.34'], ['127.0.0.1']);
    const url = `http://rebind.example:${port}/hook`;
    await expect(assertWebhookUrl(url, { allow: [], resolve })).resolves.toBeInstanceOf(URL);
    const cause = await withDispatcher(createGuardedDispatcher([], { resolve }), (dispatcher) =>
      refusalOf(send(url, dispatcher)),
    );
    expectForbidden(cause);
    expect(cause.message).toContain('rebind.example (resolved to 127.0.0.1)');
    expect(resolve).toHaveBeenCalledTimes(2);
    expect(accepted).toBe(0);
    expect(attempts).toEqual([]);
  });

  it('DNS rebinding: without the guard, the same answers do reach the local server', async () => {
    const resolve = rebinding(['93.184.216.34'], ['127.0.0.1']);
    const url = `http://rebind.example:${port}/hook`;
    await assertWebhookUrl(url, { allow: [], resolve });
    const lookup: LookupFunction = (hostname, _options, callback) => {
      resolve(hostname).then(
        (addresses) =>
          callback(
            null,
            addresses.map((address) => ({ address, family: 4 })),
          ),
        (e: Error) => callback(e, ''),
      );
    };
    await withDispatcher(new Agent({ connect: { lookup } }), async (dispatcher) => {
      await expect(send(url, dispatcher)).resolves.toMatchObject({ status: 200 });
    });
    expect(accepted).toBe(1);
  });

  it('refuses a delivery when any one answer is forbidden', async () => {
    const resolve: Resolver = () => Promise.resolve(['127.0.0.1', '10.0.0.1']);
    const cause = await withDispatcher(
      createGuardedDispatcher(parseCidrs('127.0.0.0/8'), { resolve }),
      (dispatcher) => refusalOf(send(`http://mixed.test:${port}/`, dispatcher)),
    );
    expect(cause.message).toContain('10.0.0.1 is private (10.0.0.0/8)');
    expect(accepted).toBe(0);
    expect(attempts).toEqual([]);
  });

  it('refuses https the same way (the TLS socket never connects)', async () => {
    const resolve = rebinding(['93.184.216.34'], ['127.0.0.1']);
    await assertWebhookUrl(`https://rebind.example:${port}/`, { allow: [], resolve });
    const cause = await withDispatcher(createGuardedDispatcher([], { resolve }), (dispatcher) =>
      refusalOf(send(`https://rebind.example:${port}/`, dispatcher)),
    );
    expectForbidden(cause);
    expect(accepted).toBe(0);
    expect(attempts).toEqual([]);
  });

  it('does not follow a redirect to the metadata address', async () => {
    const allow = parseCidrs('127.0.0.0/8');
    const result = await withDispatcher(createGuardedDispatcher(allow), (dispatcher) =>
      send(`http://127.0.0.1:${port}/redirect`, dispatcher),
    );
    expect(result.status).toBe(302);
    expect(attempts).toEqual(['127.0.0.1']);
  });

  /** Every corpus URL fetch can send, aimed at the local server's port. */
  const sendable = SSRF_REFUSED.map((c) => c.url).filter((text) => {
    const url = URL.canParse(text) ? new URL(text) : null;
    return (
      url !== null && /^https?:$/.test(url.protocol) && url.username === '' && url.password === ''
    );
  });

  it(`refuses all ${sendable.length} sendable corpus URLs with no socket handed an address`, async () => {
    expect(sendable.length).toBeGreaterThanOrEqual(40);
    await withDispatcher(createGuardedDispatcher([], { resolve: corpusResolver }), async (d) => {
      for (const text of sendable) {
        const url = new URL(text);
        url.port = String(port);
        const cause = await refusalOf(send(url.href, d));
        expect({ url: text, message: cause.message }).toEqual({
          url: text,
          message: expect.stringMatching(/^(AppError: )?webhook host /),
        });
        if (keepsCode) expect(cause.code).toBe('WEBHOOK_URL_FORBIDDEN');
      }
    });
    expect(accepted).toBe(0);
    expect(attempts).toEqual([]);
  });
});
