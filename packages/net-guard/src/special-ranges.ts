import { cidrContains, formatCidr, parseCidr, type Cidr } from './cidr';
import { formatIp, type IpAddress } from './ip-address';

/**
 * Address space a webhook must never reach, after the IANA special-purpose
 * registries (RFC 6890 and successors). Order matters only for the label:
 * the first (most specific) match names the reason.
 */
interface NamedRange {
  readonly cidr: Cidr;
  readonly label: string;
}

const named = (entries: [string, string][]): NamedRange[] =>
  entries.map(([cidr, label]) => ({ cidr: parseCidr(cidr), label }));

const V4_RANGES = named([
  ['255.255.255.255/32', 'broadcast'],
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
]);

const V6_RANGES = named([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['::ffff:0:0:0/96', 'IPv4-translated'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001:db8::/32', 'documentation'],
  ['2001::/23', 'IETF protocol assignments'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
]);

/** Only 2000::/3 is allocated as global unicast; everything else is reserved. */
const GLOBAL_UNICAST = parseCidr('2000::/3');

const V4_MASK = 0xffffffffn;
const v4 = (value: bigint): IpAddress => ({ version: 4, value: value & V4_MASK });

/** IPv6 prefixes that carry an IPv4 address a gateway will forward to. */
const EMBEDDINGS: { cidr: Cidr; label: string; extract: (v: bigint) => IpAddress[] }[] = [
  { cidr: parseCidr('64:ff9b::/96'), label: 'NAT64', extract: (v) => [v4(v)] },
  { cidr: parseCidr('2002::/16'), label: '6to4', extract: (v) => [v4(v >> 80n)] },
  // Teredo: server in bits 32-63, client (bit-inverted) in the last 32 bits.
  { cidr: parseCidr('2001::/32'), label: 'Teredo', extract: (v) => [v4(v >> 64n), v4(~v)] },
];

const labelOf = (range: NamedRange): string => `${range.label} (${formatCidr(range.cidr)})`;

const matchV4 = (address: IpAddress): string | null => {
  const hit = V4_RANGES.find((r) => cidrContains(r.cidr, address));
  return hit === undefined ? null : labelOf(hit);
};

const matchV6 = (address: IpAddress): string | null => {
  const embedding = EMBEDDINGS.find((e) => cidrContains(e.cidr, address));
  if (embedding !== undefined) {
    for (const inner of embedding.extract(address.value)) {
      const reason = matchV4(inner);
      if (reason !== null) {
        return `${embedding.label} (${formatCidr(embedding.cidr)}) embedding ${formatIp(inner)}, ${reason}`;
      }
    }
    // The embedded IPv4 addresses are public: as reachable as they are.
    return null;
  }
  const hit = V6_RANGES.find((r) => cidrContains(r.cidr, address));
  if (hit !== undefined) return labelOf(hit);
  return cidrContains(GLOBAL_UNICAST, address) ? null : 'outside global unicast (2000::/3)';
};

/** Why an address is not public, or null when it is. Ignores any allow-list. */
export function specialRangeOf(address: IpAddress): string | null {
  return address.version === 4 ? matchV4(address) : matchV6(address);
}
