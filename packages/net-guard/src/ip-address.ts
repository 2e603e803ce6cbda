/**
 * IP address parsing that accepts every notation a browser (WHATWG URL) or
 * libc (`inet_aton`, `inet_pton`) accepts, so no spelling of an address can
 * slip past a check that only knows dotted decimal.
 */
export interface IpAddress {
  readonly version: 4 | 6;
  /** The address as an unsigned integer: 32 bits for v4, 128 for v6. */
  readonly value: bigint;
}

const V4_MAX = (1n << 32n) - 1n;

const ipv4Part = (part: string): bigint | null => {
  // Hex (`0x7f`, and `0x` alone is 0 as in WHATWG), octal (`0177`), decimal.
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0n : BigInt(part);
  if (/^0[0-7]+$/.test(part)) return BigInt(`0o${part.slice(1)}`);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return BigInt(part);
  return null;
};

/**
 * `inet_aton` / WHATWG IPv4: one to four parts, each decimal, octal or hex;
 * the last part fills all remaining bytes (`127.1`, `2130706433`). One
 * trailing dot is ignored, as the URL parser does.
 */
export function parseIpv4(text: string): IpAddress | null {
  const trimmed = text.endsWith('.') ? text.slice(0, -1) : text;
  const parts = trimmed.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return null;
  const numbers = parts.map(ipv4Part);
  let value = 0n;
  for (const [i, n] of numbers.entries()) {
    if (n === null) return null;
    const isLast = i === numbers.length - 1;
    const bits = isLast ? BigInt(8 * (4 - i)) : 8n;
    if (n >= 1n << bits) return null;
    value = isLast ? (value << bits) | n : (value << 8n) | n;
  }
  return { version: 4, value };
}

/** Strict dotted quad, the only IPv4 form `inet_pton` allows inside an IPv6 address. */
const parseDottedQuad = (text: string): bigint | null => {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) {
    return null;
  }
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
};

/** Colon-separated groups; only the address's very last group may be a dotted quad. */
const parseGroups = (text: string, endsAddress: boolean): bigint[] | null => {
  if (text === '') return [];
  const groups: bigint[] = [];
  const pieces = text.split(':');
  for (const [i, piece] of pieces.entries()) {
    if (endsAddress && i === pieces.length - 1 && piece.includes('.')) {
      const v4 = parseDottedQuad(piece);
      if (v4 === null) return null;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
      groups.push(BigInt(`0x${piece}`));
    } else {
      return null;
    }
  }
  return groups;
};

/**
 * RFC 4291 text form, with or without brackets, with an optional zone id
 * (`%eth0`, or `%25eth0` as written in a URL) which is dropped: the zone
 * does not change which range the address is in.
 */
export function parseIpv6(text: string): IpAddress | null {
  let body = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = body.indexOf('%');
  if (zone !== -1) body = body.slice(0, zone);
  if (!body.includes(':')) return null;
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '', true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  // `::` must stand for at least one group; without it there must be exactly eight.
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
  return { version: 6, value: groups.reduce((acc, g) => (acc << 16n) | g, 0n) };
}

/**
 * Any notation, bracketed or not. An IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`) comes back as the IPv4 address it is: a socket to it
 * reaches that IPv4 host, so it must be judged as one.
 */
export function parseIp(text: string): IpAddress | null {
  const address = parseIpv6(text) ?? parseIpv4(text);
  if (address?.version === 6 && address.value >> 32n === 0xffffn) {
    return { version: 4, value: address.value & V4_MAX };
  }
  return address;
}

const formatIpv6 = (value: bigint): string => {
  const groups = Array.from({ length: 8 }, (_, i) => (value >> BigInt(112 - 16 * i)) & 0xffffn);
  // RFC 5952: compress the longest run (of two or more) of zero groups, the first if tied.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
};

/** Canonical text: dotted decimal for v4, RFC 5952 for v6. */
export function formatIp(address: IpAddress): string {
  if (address.version === 6) return formatIpv6(address.value);
  const v = address.value;
  return [24n, 16n, 8n, 0n].map((shift) => ((v >> shift) & 0xffn).toString()).join('.');
}

/** The canonical text of any notation, or null when it is not an IP address. */
export function normalizeIp(text: string): string | null {
  const address = parseIp(text);
  return address === null ? null : formatIp(address);
}
