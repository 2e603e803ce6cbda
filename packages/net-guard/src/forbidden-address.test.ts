import { parseCidrs } from './cidr';
import { forbiddenReason, isForbiddenAddress } from './forbidden-address';

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback (127.0.0.0/8)'],
    ['127.255.255.254', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['::1', 'loopback (::1/128)'],
    ['::ffff:127.0.0.1', 'loopback (127.0.0.0/8)'],
    ['10.0.0.1', 'private (10.0.0.0/8)'],
    ['172.16.0.1', 'private (172.16.0.0/12)'],
    ['172.31.255.255', 'private (172.16.0.0/12)'],
    ['192.168.0.1', 'private (192.168.0.0/16)'],
    ['169.254.169.254', 'link-local (cloud metadata) (169.254.0.0/16)'],
    ['fe80::1', 'link-local (fe80::/10)'],
    ['febf::1', 'link-local (fe80::/10)'],
    ['fc00::1', 'unique-local (fc00::/7)'],
    ['fd12:3456::1', 'unique-local (fc00::/7)'],
    ['224.0.0.1', 'multicast (224.0.0.0/4)'],
    ['239.255.255.255', 'multicast (224.0.0.0/4)'],
    ['ff02::1', 'multicast (ff00::/8)'],
    ['0.0.0.0', 'unspecified ("this network") (0.0.0.0/8)'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified (::/128)'],
    ['100.64.0.1', 'carrier-grade NAT (100.64.0.0/10)'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['198.18.0.1', 'benchmarking (198.18.0.0/15)'],
    ['198.19.1.1', 'benchmarking'],
    ['240.0.0.1', 'reserved (240.0.0.0/4)'],
    ['255.255.255.254', 'reserved'],
    ['255.255.255.255', 'broadcast (255.255.255.255/32)'],
    ['192.0.2.1', 'documentation (192.0.2.0/24)'],
    ['198.51.100.1', 'documentation (198.51.100.0/24)'],
    ['203.0.113.1', 'documentation (203.0.113.0/24)'],
    ['2001:db8::1', 'documentation (2001:db8::/32)'],
    ['3fff::1', 'documentation (3fff::/20)'],
    ['192.0.0.8', 'IETF protocol assignments (192.0.0.0/24)'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['::7f00:1', 'IPv4-compatible (deprecated) (::/96)'],
    ['::8.8.8.8', 'IPv4-compatible'],
    ['::ffff:0:a00:1', 'IPv4-translated'],
    ['64:ff9b::127.0.0.1', 'NAT64 (64:ff9b::/96) embedding 127.0.0.1, loopback (127.0.0.0/8)'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 (64:ff9b::/96) embedding 169.254.169.254'],
    ['64:ff9b:1::8.8.8.8', 'local-use NAT64 (64:ff9b:1::/48)'],
    ['2002:c0a8:101::1', '6to4 (2002::/16) embedding 192.168.1.1, private (192.168.0.0/16)'],
    ['2002:7f00:1::', '6to4 (2002::/16) embedding 127.0.0.1'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo (2001::/32) embedding 127.0.0.1'],
    ['2001:0:0a00:0001::1', 'Teredo (2001::/32) embedding 10.0.0.1'],
    ['2001:2::1', 'IETF protocol assignments (2001::/23)'],
    ['100::1', 'discard-only (100::/64)'],
    ['fec0::1', 'site-local (deprecated) (fec0::/10)'],
    ['4000::1', 'outside global unicast (2000::/3)'],
    ['not an ip', '"not an ip" is not an IP address'],
    ['localhost', 'not an IP address'],
    ['', 'not an IP address'],
  ])('%s is forbidden: %s', (ip, reason) => {
    expect(isForbiddenAddress(ip, [])).toBe(true);
    expect(forbiddenReason(ip, [])).toContain(reason);
  });

  it.each([
    '93.184.216.34',
    '1.1.1.1',
    '8.8.8.8',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '1.0.0.0',
    '::ffff:93.184.216.34',
    '2606:2800:220:1:248:1893:25c8:1946',
    '2a00:1450:4001:80b::200e',
    '64:ff9b::8.8.8.8',
    '2002:5db8:d822::1',
    '2001:0:4136:e378:8000:63bf:a247:26dd',
  ])('%s is public', (ip) => {
    expect(forbiddenReason(ip, [])).toBeNull();
    expect(isForbiddenAddress(ip, [])).toBe(false);
  });
});

describe('the operator allow-list', () => {
  const allow = parseCidrs('127.0.0.0/8,::1/128,10.1.0.0/16');

  it.each([
    ['127.0.0.1', false],
    ['127.1', false],
    ['::ffff:127.0.0.1', false],
    ['::1', false],
    ['10.1.2.3', false],
    ['10.2.0.1', true],
    ['169.254.169.254', true],
    ['::', true],
    ['0.0.0.0', true],
    ['64:ff9b::127.0.0.1', true],
  ])('with 127/8, ::1 and 10.1/16 allowed, %s forbidden: %s', (ip, forbidden) => {
    expect(isForbiddenAddress(ip, allow)).toBe(forbidden);
  });

  it('can open a whole family, and still refuses non-addresses', () => {
    expect(isForbiddenAddress('10.0.0.1', parseCidrs('0.0.0.0/0'))).toBe(false);
    expect(isForbiddenAddress('fe80::1', parseCidrs('0.0.0.0/0'))).toBe(true);
    expect(isForbiddenAddress('garbage', parseCidrs('0.0.0.0/0,::/0'))).toBe(true);
  });
});
