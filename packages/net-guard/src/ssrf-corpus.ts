import type { Resolver } from './resolver';

/**
 * A shared SSRF corpus, exported so services' integration tests can replay it
 * against their own endpoints. `reason` is a fragment of the refusal message.
 * Host names resolve only through `corpusResolver`: no test touches DNS.
 */
export interface SsrfCase {
  readonly url: string;
  readonly reason: string;
}

const NAMES: Record<string, string[]> = {
  localhost: ['127.0.0.1', '::1'],
  'internal.example.com': ['10.0.0.5'],
  'metadata.example.com': ['169.254.169.254'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.5'],
  'v6-loopback.example.com': ['::1'],
  'mapped.example.com': ['::ffff:10.0.0.1'],
  'nat64.example.com': ['64:ff9b::c0a8:101'],
  'octal-answer.example.com': ['0177.0.0.1'],
  'garbage-answer.example.com': ['not-an-ip'],
  'empty.example.com': [],
  'example.com': ['93.184.216.34'],
  'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
};

/** Answers the corpus host names; anything else is NXDOMAIN. */
export const corpusResolver: Resolver = (host) => {
  const answers = NAMES[host];
  return answers === undefined
    ? Promise.reject(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }),
      )
    : Promise.resolve([...answers]);
};

const LOOPBACK = 'loopback (127.0.0.0/8)';
const METADATA = 'link-local (cloud metadata)';
const UNSPECIFIED = 'unspecified';
const PRIVATE = 'private';

/** Every one must be refused with an empty allow-list. */
export const SSRF_REFUSED: readonly SsrfCase[] = [
  // Loopback in every IPv4 notation.
  { url: 'http://127.0.0.1/', reason: LOOPBACK },
  { url: 'http://127.1/', reason: LOOPBACK },
  { url: 'http://127.0.1/', reason: LOOPBACK },
  { url: 'http://2130706433/', reason: LOOPBACK },
  { url: 'http://0177.0.0.1/', reason: LOOPBACK },
  { url: 'http://017700000001/', reason: LOOPBACK },
  { url: 'http://0x7f.0.0.1/', reason: LOOPBACK },
  { url: 'http://0x7f000001/', reason: LOOPBACK },
  { url: 'http://0X7F.0.0.1/', reason: LOOPBACK },
  { url: 'http://0177.0x0.1/', reason: LOOPBACK },
  { url: 'http://127.000000000000.1/', reason: LOOPBACK },
  { url: 'http://127.0.0.1./', reason: LOOPBACK },
  { url: 'http://127.127.127.127:8080/', reason: LOOPBACK },
  { url: 'http://%31%32%37.0.0.1/', reason: LOOPBACK },
  { url: 'http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/', reason: LOOPBACK },
  { url: 'http://127\u30020\u30020\u30021/', reason: LOOPBACK },
  { url: 'https://127.0.0.1:443/hook', reason: LOOPBACK },
  // Loopback in IPv6 and IPv4-in-IPv6.
  { url: 'http://[::1]/', reason: 'loopback (::1/128)' },
  { url: 'http://[0:0:0:0:0:0:0:1]/', reason: 'loopback (::1/128)' },
  { url: 'http://[::ffff:127.0.0.1]/', reason: LOOPBACK },
  { url: 'http://[::ffff:7f00:1]/', reason: LOOPBACK },
  { url: 'http://[0:0:0:0:0:ffff:127.0.0.1]/', reason: LOOPBACK },
  { url: 'http://[::127.0.0.1]/', reason: 'IPv4-compatible' },
  { url: 'http://[2002:7f00:1::]/', reason: `6to4 (2002::/16) embedding 127.0.0.1, ${LOOPBACK}` },
  { url: 'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', reason: 'Teredo' },
  // Names for loopback.
  { url: 'http://localhost/', reason: LOOPBACK },
  { url: 'http://localhost./', reason: LOOPBACK },
  { url: 'http://LOCALHOST:3000/', reason: LOOPBACK },
  // Unspecified ("connect to 0" reaches this host on Linux).
  { url: 'http://0/', reason: UNSPECIFIED },
  { url: 'http://0.0.0.0/', reason: UNSPECIFIED },
  { url: 'http://00/', reason: UNSPECIFIED },
  { url: 'http://0x0:8080/', reason: UNSPECIFIED },
  { url: 'http://[::]/', reason: 'unspecified (::/128)' },
  // Cloud metadata in every notation.
  { url: 'http://169.254.169.254/latest/meta-data/', reason: METADATA },
  { url: 'http://2852039166/', reason: METADATA },
  { url: 'http://0xa9fea9fe/', reason: METADATA },
  { url: 'http://0251.0376.0251.0376/', reason: METADATA },
  { url: 'http://0xa9.0xfe.0xa9.0xfe/', reason: METADATA },
  { url: 'http://169.254.43518/', reason: METADATA },
  { url: 'http://[::ffff:169.254.169.254]/', reason: METADATA },
  { url: 'http://[::ffff:a9fe:a9fe]/', reason: METADATA },
  {
    url: 'http://[64:ff9b::169.254.169.254]/',
    reason: `NAT64 (64:ff9b::/96) embedding 169.254.169.254`,
  },
  { url: 'http://[2002:a9fe:a9fe::]/', reason: '6to4 (2002::/16) embedding 169.254.169.254' },
  { url: 'http://[fd00:ec2::254]/', reason: 'unique-local (fc00::/7)' },
  { url: 'http://100.100.100.200/', reason: 'carrier-grade NAT (100.64.0.0/10)' },
  { url: 'http://metadata.example.com/', reason: METADATA },
  // Private, shared and otherwise non-public IPv4.
  { url: 'http://10.0.0.1/', reason: PRIVATE },
  { url: 'http://012.1/', reason: 'private (10.0.0.0/8)' },
  { url: 'http://172.16.0.1/', reason: 'private (172.16.0.0/12)' },
  { url: 'http://172.31.255.255/', reason: 'private (172.16.0.0/12)' },
  { url: 'http://192.168.1.1/', reason: 'private (192.168.0.0/16)' },
  { url: 'http://0xc0a80101/', reason: 'private (192.168.0.0/16)' },
  { url: 'http://3232235777/', reason: 'private (192.168.0.0/16)' },
  { url: 'http://100.64.0.1/', reason: 'carrier-grade NAT' },
  { url: 'http://198.18.0.1/', reason: 'benchmarking (198.18.0.0/15)' },
  { url: 'http://198.19.255.255/', reason: 'benchmarking (198.18.0.0/15)' },
  { url: 'http://192.0.0.192/', reason: 'IETF protocol assignments' },
  { url: 'http://192.0.2.1/', reason: 'documentation (192.0.2.0/24)' },
  { url: 'http://198.51.100.7/', reason: 'documentation (198.51.100.0/24)' },
  { url: 'http://203.0.113.9/', reason: 'documentation (203.0.113.0/24)' },
  { url: 'http://224.0.0.1/', reason: 'multicast (224.0.0.0/4)' },
  { url: 'http://239.255.255.250/', reason: 'multicast (224.0.0.0/4)' },
  { url: 'http://240.0.0.1/', reason: 'reserved (240.0.0.0/4)' },
  { url: 'http://255.255.255.255/', reason: 'broadcast' },
  // Non-public IPv6.
  { url: 'http://[fe80::1]/', reason: 'link-local (fe80::/10)' },
  { url: 'http://[FE80::A:B]/', reason: 'link-local (fe80::/10)' },
  { url: 'http://[fc00::1]/', reason: 'unique-local (fc00::/7)' },
  { url: 'http://[ff02::1]/', reason: 'multicast (ff00::/8)' },
  { url: 'http://[fec0::1]/', reason: 'site-local' },
  { url: 'http://[2001:db8::1]/', reason: 'documentation (2001:db8::/32)' },
  { url: 'http://[64:ff9b::a00:1]/', reason: 'NAT64 (64:ff9b::/96) embedding 10.0.0.1' },
  { url: 'http://[64:ff9b:1::1]/', reason: 'local-use NAT64' },
  { url: 'http://[100::1]/', reason: 'discard-only' },
  { url: 'http://[::ffff:0:a00:1]/', reason: 'IPv4-translated' },
  { url: 'http://[4000::1]/', reason: 'outside global unicast' },
  // Names resolving to non-public space, including a single bad answer among good ones.
  { url: 'http://internal.example.com/', reason: PRIVATE },
  { url: 'https://Internal.Example.COM./hook', reason: PRIVATE },
  { url: 'http://mixed.example.com/', reason: 'private (10.0.0.0/8)' },
  { url: 'http://v6-loopback.example.com/', reason: 'loopback (::1/128)' },
  { url: 'http://mapped.example.com/', reason: 'private (10.0.0.0/8)' },
  { url: 'http://nat64.example.com/', reason: 'NAT64 (64:ff9b::/96) embedding 192.168.1.1' },
  { url: 'http://octal-answer.example.com/', reason: LOOPBACK },
  { url: 'http://garbage-answer.example.com/', reason: 'not an IP address' },
  { url: 'http://empty.example.com/', reason: 'resolves to no address' },
  { url: 'http://nxdomain.example.com/', reason: 'could not be resolved' },
  // Scheme, credentials and malformed hosts.
  { url: 'http://user:pass@example.com/', reason: 'credentials' },
  { url: 'http://user@example.com/', reason: 'credentials' },
  { url: 'https://:secret@93.184.216.34/', reason: 'credentials' },
  { url: 'ftp://example.com/file.csv', reason: 'scheme "ftp:"' },
  { url: 'file:///etc/passwd', reason: 'scheme "file:"' },
  { url: 'gopher://127.0.0.1:6379/_INFO', reason: 'scheme "gopher:"' },
  { url: 'ws://example.com/', reason: 'scheme "ws:"' },
  { url: 'javascript:alert(1)', reason: 'scheme "javascript:"' },
  { url: 'data:text/plain,hello', reason: 'scheme "data:"' },
  { url: 'http://[fe80::1%25eth0]/', reason: 'not a valid absolute URL' },
  { url: 'http://[127.0.0.1]/', reason: 'not a valid absolute URL' },
  { url: 'http://4294967296/', reason: 'not a valid absolute URL' },
  { url: 'http://127.0.0.1../', reason: 'is not valid' },
  { url: '/relative/hook', reason: 'not a valid absolute URL' },
];

/** Public destinations: every one must pass with an empty allow-list. */
export const SSRF_ALLOWED: readonly string[] = [
  'http://93.184.216.34/hook',
  'https://93.184.216.34:8443/hook?x=1',
  'http://1.1.1.1/',
  'http://8.8.8.8:8080/',
  'http://[2606:2800:220:1:248:1893:25c8:1946]/',
  'http://[::ffff:93.184.216.34]/',
  'http://[64:ff9b::93.184.216.34]/',
  'http://[2002:5db8:d822::1]/',
  'https://example.com/webhooks',
  'https://hooks.example.com./in',
  'http://172.32.0.1/',
  'http://100.128.0.1/',
  'http://192.169.0.1/',
];
