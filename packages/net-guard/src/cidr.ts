import { formatIp, parseIpv4, parseIpv6, type IpAddress } from './ip-address';

/** A network: the address with its host bits cleared, and the prefix length. */
export interface Cidr {
  readonly version: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
}

const bitsOf = (version: 4 | 6): number => (version === 4 ? 32 : 128);

const maskOf = (version: 4 | 6, prefix: number): bigint => {
  const bits = BigInt(bitsOf(version));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
};

/** Build a CIDR from an address and a prefix, clearing the host bits. */
export function cidrOf(address: IpAddress, prefix: number): Cidr {
  return {
    version: address.version,
    network: address.value & maskOf(address.version, prefix),
    prefix,
  };
}

export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  return (
    cidr.version === address.version &&
    (address.value & maskOf(cidr.version, cidr.prefix)) === cidr.network
  );
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ version: cidr.version, value: cidr.network })}/${cidr.prefix}`;
}

const DOTTED_QUAD =
  /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

/**
 * One operator-written CIDR (`10.0.0.0/8`, `::1/128`; a bare address is a
 * single host). Only plain dotted decimal is accepted for IPv4 here: in
 * configuration, `010.0.0.0/8` silently meaning 8.0.0.0/8 would be a trap.
 * An IPv4-mapped IPv6 network (`::ffff:127.0.0.0/104`) becomes its IPv4 form,
 * because addresses are matched after mapped ones are unwrapped.
 */
export function parseCidr(text: string): Cidr {
  const [addressText = '', prefixText, ...rest] = text.trim().split('/');
  const fail = (why: string) => new Error(`"${text}" is not a valid CIDR: ${why}`);
  if (rest.length > 0) throw fail('more than one "/"');
  const v6 = parseIpv6(addressText);
  if (v6 === null && !DOTTED_QUAD.test(addressText)) {
    throw fail('expected an IPv4 dotted quad or an IPv6 address');
  }
  const parsed = v6 ?? parseIpv4(addressText);
  if (parsed === null) throw fail('unparseable address');
  const bits = bitsOf(parsed.version);
  if (prefixText !== undefined && !/^[0-9]{1,3}$/.test(prefixText)) throw fail('bad prefix');
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) throw fail(`prefix longer than ${bits} bits`);
  if (v6 !== null && v6.value >> 32n === 0xffffn && prefix >= 96) {
    return cidrOf({ version: 4, value: v6.value & 0xffffffffn }, prefix - 96);
  }
  return cidrOf(parsed, prefix);
}

/**
 * The operator allow-list (`WEBHOOK_ALLOWED_CIDRS`): comma-separated, blanks
 * ignored, empty or unset meaning none. A bad entry throws, so a typo fails
 * at startup instead of silently allowing nothing (or too much).
 */
export function parseCidrs(list: string | undefined): Cidr[] {
  return (list ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(parseCidr);
}
