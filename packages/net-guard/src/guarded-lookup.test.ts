import type { LookupAddress, LookupOptions } from 'node:dns';
import { parseCidrs } from './cidr';
import { isWebhookUrlForbidden } from './forbidden-error';
import { guardedLookup } from './guarded-lookup';
import type { Resolver } from './resolver';

interface Outcome {
  error?: { code?: string; message: string };
  address?: string | LookupAddress[];
  family?: number;
}

const lookupWith = (answers: string[], options: LookupOptions, allow = '') =>
  new Promise<Outcome>((resolve) => {
    const resolver: Resolver = () => Promise.resolve(answers);
    guardedLookup(parseCidrs(allow), resolver)('hooks.test', options, (err, address, family) =>
      resolve(err === null ? { address, family } : { error: err }),
    );
  });

describe('guardedLookup', () => {
  it.each<[string, string[], LookupOptions, Outcome]>([
    ['one address', ['93.184.216.34'], {}, { address: '93.184.216.34', family: 4 }],
    [
      'all addresses (happy eyeballs)',
      ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
      { all: true },
      {
        address: [
          { address: '93.184.216.34', family: 4 },
          { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
        ],
      },
    ],
    [
      'only the family asked for',
      ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
      { family: 6 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ],
    [
      'canonical text for odd answers',
      ['::ffff:5db8:d822'],
      {},
      { address: '93.184.216.34', family: 4 },
    ],
  ])('hands the socket %s', async (_name, answers, options, expected) => {
    await expect(lookupWith(answers, options)).resolves.toEqual(expected);
  });

  it('fails with ENOTFOUND when no answer has the family asked for', async () => {
    const outcome = await lookupWith(['93.184.216.34'], { family: 'IPv6' });
    expect(outcome.error?.code).toBe('ENOTFOUND');
  });

  it.each([
    [['127.0.0.1'], ''],
    [['93.184.216.34', '10.0.0.1'], ''],
    [['127.0.0.1', '::1'], '127.0.0.0/8'],
    [['0177.0.0.1'], ''],
    [['nonsense'], '0.0.0.0/0'],
    [[], ''],
  ])('refuses answers %j (allow %j) with no address handed out', async (answers, allow) => {
    const outcome = await lookupWith(answers, { all: true }, allow);
    expect(outcome.address).toBeUndefined();
    expect(isWebhookUrlForbidden(outcome.error)).toBe(true);
  });

  it('passes when the allow-list covers every answer', async () => {
    const outcome = await lookupWith(['127.0.0.1', '::1'], {}, '127.0.0.0/8,::1/128');
    expect(outcome).toEqual({ address: '127.0.0.1', family: 4 });
  });
});

describe('isWebhookUrlForbidden', () => {
  it.each([
    [
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('x'), { code: 'WEBHOOK_URL_FORBIDDEN' }),
      }),
      true,
    ],
    [{ code: 'WEBHOOK_URL_FORBIDDEN' }, true],
    [
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      }),
      false,
    ],
    [new Error('plain'), false],
    ['WEBHOOK_URL_FORBIDDEN', false],
    [null, false],
  ])('%p is a refusal: %s', (error, expected) => {
    expect(isWebhookUrlForbidden(error)).toBe(expected);
  });
});
