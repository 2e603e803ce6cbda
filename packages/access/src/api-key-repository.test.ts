import { parseApiKey } from './api-key-repository';

const secret = 'A'.repeat(42) + '_';

describe('parseApiKey', () => {
  it('splits a well-formed key into id and secret', () => {
    expect(parseApiKey(`ingk_0123456789ab_${secret}`)).toEqual({ id: '0123456789ab', secret });
  });

  it.each([
    ['no prefix', `0123456789ab_${secret}`],
    ['another prefix', `ingx_0123456789ab_${secret}`],
    ['an id that is not 12 hex digits', `ingk_0123456789AB_${secret}`],
    ['a short id', `ingk_0123456789a_${secret}`],
    ['a short secret', `ingk_0123456789ab_${secret.slice(1)}`],
    ['a long secret', `ingk_0123456789ab_${secret}x`],
    ['a secret outside base64url', `ingk_0123456789ab_${secret.slice(1)}+`],
    ['anything else', 'Bearer nope'],
  ])('refuses %s', (_name, key) => {
    expect(parseApiKey(key)).toBeNull();
  });
});
