import { AppError } from '@ingest/errors';
import { parseCidrs } from './cidr';
import { corpusResolver, SSRF_ALLOWED, SSRF_REFUSED } from './ssrf-corpus';
import { assertWebhookUrl } from './webhook-url';

const refusal = async (promise: Promise<unknown>): Promise<AppError> => {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('assertWebhookUrl: the SSRF corpus', () => {
  it('has at least 40 refused URLs, all distinct', () => {
    expect(SSRF_REFUSED.length).toBeGreaterThanOrEqual(40);
    expect(new Set(SSRF_REFUSED.map((c) => c.url)).size).toBe(SSRF_REFUSED.length);
  });

  it.each(SSRF_REFUSED.map((c) => [c.url, c.reason]))('refuses %j (%s)', async (url, reason) => {
    const error = await refusal(assertWebhookUrl(url, { allow: [], resolve: corpusResolver }));
    expect(error.code).toBe('WEBHOOK_URL_FORBIDDEN');
    expect(error.httpStatus).toBe(400);
    expect(error.failure).toBe('permanent');
    expect(error.message).toContain(reason);
  });

  it.each(SSRF_ALLOWED.map((url) => [url]))('accepts %j', async (url) => {
    const parsed = await assertWebhookUrl(url, { allow: [], resolve: corpusResolver });
    expect(parsed).toBeInstanceOf(URL);
    expect(parsed.href).toBe(new URL(url).href);
  });
});

describe('assertWebhookUrl: details', () => {
  it('checks a literal IP without resolving it', async () => {
    const resolve = jest.fn(corpusResolver);
    await assertWebhookUrl('http://93.184.216.34/', { allow: [], resolve });
    await refusal(assertWebhookUrl('http://0x7f.1/', { allow: [], resolve }));
    expect(resolve).not.toHaveBeenCalled();
  });

  it('resolves the name without its trailing dot, lowercased', async () => {
    const resolve = jest.fn(corpusResolver);
    await assertWebhookUrl('https://HOOKS.example.com./x', { allow: [], resolve });
    expect(resolve).toHaveBeenCalledWith('hooks.example.com');
  });

  it('accepts any port', async () => {
    const url = await assertWebhookUrl('http://93.184.216.34:1/', { allow: [] });
    expect(url.port).toBe('1');
  });

  it('never echoes credentials in the message', async () => {
    const error = await refusal(
      assertWebhookUrl('https://alice:s3cret@example.com/', { allow: [], resolve: corpusResolver }),
    );
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('alice');
  });

  it('keeps the resolver error as the cause', async () => {
    const error = await refusal(
      assertWebhookUrl('http://nxdomain.example.com/', { allow: [], resolve: corpusResolver }),
    );
    expect((error.cause as { code?: string }).code).toBe('ENOTFOUND');
  });

  it('opens exactly the allow-listed ranges', async () => {
    const allow = parseCidrs('127.0.0.0/8');
    const options = { allow, resolve: corpusResolver };
    await expect(assertWebhookUrl('http://127.0.0.1:3000/hook', options)).resolves.toBeInstanceOf(
      URL,
    );
    await expect(assertWebhookUrl('http://0x7f.1:3000/hook', options)).resolves.toBeInstanceOf(URL);
    await expect(assertWebhookUrl('http://[::ffff:127.0.0.1]/', options)).resolves.toBeInstanceOf(
      URL,
    );
    // localhost also answers ::1, which 127.0.0.0/8 does not cover: every answer must pass.
    await refusal(assertWebhookUrl('http://localhost:3000/', options));
    await refusal(assertWebhookUrl('http://10.0.0.1/', options));
    await refusal(assertWebhookUrl('http://user:pw@127.0.0.1/', options));
    const both = { allow: parseCidrs('127.0.0.0/8,::1/128'), resolve: corpusResolver };
    await expect(assertWebhookUrl('http://localhost:3000/', both)).resolves.toBeInstanceOf(URL);
  });

  it('uses the system resolver by default (localhost is in /etc/hosts, no network)', async () => {
    const error = await refusal(assertWebhookUrl('http://localhost:9/', { allow: [] }));
    expect(error.message).toMatch(
      /localhost \(resolved to 127\.0\.0\.1\) is forbidden: .*loopback/,
    );
    await expect(
      assertWebhookUrl('http://localhost:9/', { allow: parseCidrs('127.0.0.0/8,::1/128') }),
    ).resolves.toBeInstanceOf(URL);
  });
});
