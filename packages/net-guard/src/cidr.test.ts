import { cidrContains, formatCidr, parseCidr, parseCidrs } from './cidr';
import { parseIp, type IpAddress } from './ip-address';

const ip = (text: string): IpAddress => {
  const address = parseIp(text);
  if (address === null) throw new Error(`bad test address ${text}`);
  return address;
};

describe('parseCidr', () => {
  it.each([
    ['127.0.0.0/8', '127.0.0.0/8'],
    ['127.0.0.1/8', '127.0.0.0/8'],
    ['10.1.2.3', '10.1.2.3/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['::1/128', '::1/128'],
    ['::1', '::1/128'],
    ['[fd00::]/8', 'fd00::/8'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['::ffff:127.0.0.0/104', '127.0.0.0/8'],
    [' 192.168.0.0/16 ', '192.168.0.0/16'],
  ])('%j is %s', (text, expected) => {
    expect(formatCidr(parseCidr(text))).toBe(expected);
  });

  it.each([
    '',
    '/8',
    '127.1/8',
    '0177.0.0.1/8',
    '010.0.0.0/8',
    '256.0.0.0/8',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '10.0.0.0/0x8',
    'localhost/8',
  ])('%j is rejected', (text) => {
    expect(() => parseCidr(text)).toThrow(/not a valid CIDR/);
  });
});

describe('cidrContains', () => {
  it.each([
    ['127.0.0.0/8', '127.255.255.255', true],
    ['127.0.0.0/8', '128.0.0.0', false],
    ['172.16.0.0/12', '172.31.0.1', true],
    ['172.16.0.0/12', '172.32.0.1', false],
    ['0.0.0.0/0', '93.184.216.34', true],
    ['::1/128', '::1', true],
    ['::/0', '127.0.0.1', false],
    ['0.0.0.0/0', '::1', false],
    ['fc00::/7', 'fdff::1', true],
    ['127.0.0.0/8', '::ffff:127.0.0.1', true],
  ])('%s contains %s: %s', (cidr, address, expected) => {
    expect(cidrContains(parseCidr(cidr), ip(address))).toBe(expected);
  });
});

describe('parseCidrs (WEBHOOK_ALLOWED_CIDRS)', () => {
  it('splits on commas and ignores blanks', () => {
    expect(parseCidrs('127.0.0.0/8,::1/128').map(formatCidr)).toEqual(['127.0.0.0/8', '::1/128']);
    expect(parseCidrs(' 10.0.0.0/8 , , 192.168.1.0/24,').map(formatCidr)).toEqual([
      '10.0.0.0/8',
      '192.168.1.0/24',
    ]);
  });

  it('treats empty or unset as no exception', () => {
    expect(parseCidrs(undefined)).toEqual([]);
    expect(parseCidrs('')).toEqual([]);
    expect(parseCidrs(' , ')).toEqual([]);
  });

  it('fails loudly on a bad entry', () => {
    expect(() => parseCidrs('127.0.0.0/8,nonsense')).toThrow('"nonsense" is not a valid CIDR');
  });
});
