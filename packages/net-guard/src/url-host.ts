import { formatIp, parseIp, type IpAddress } from './ip-address';

/** A URL host, decided: a literal IP (canonical), or a DNS name to resolve. */
export type UrlHost =
  | { readonly kind: 'ip'; readonly address: IpAddress; readonly text: string }
  | { readonly kind: 'name'; readonly name: string };

const NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
// WHATWG "ends in a number": such a host is an IPv4 address or invalid, never a name.
const NUMERIC_LABEL = /^(0x[0-9a-f]*|[0-9]+)$/;

const ip = (address: IpAddress): UrlHost => ({ kind: 'ip', address, text: formatIp(address) });

/**
 * Classify a host as `URL.hostname` gives it, or as raw text: `[v6]` with an
 * optional zone, IPv4 in any inet_aton notation (`0x7f.1`, `017700000001`),
 * IPv4-mapped IPv6 unwrapped to IPv4, names lowercased with one trailing dot
 * dropped (`LOCALHOST.` is `localhost`). Null when it is neither.
 *
 * `new URL()` already canonicalises IPv4 notations for http(s) hosts, but not
 * mapped IPv6, trailing dots on names, zone ids, or hosts that reach us
 * without a URL (a connector's hostname, a resolver's answer).
 */
export function parseUrlHost(host: string): UrlHost | null {
  const text = host.toLowerCase();
  const bracketed = text.startsWith('[') && text.endsWith(']');
  if (!bracketed && (text.includes('[') || text.includes(']'))) return null;
  // parseIp unwraps brackets for IPv6 only, so `[127.0.0.1]` stays invalid.
  const address = parseIp(text);
  if (address !== null) return ip(address);
  if (bracketed) return null;
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (!NAME.test(name)) return null;
  const last = name.slice(name.lastIndexOf('.') + 1);
  return NUMERIC_LABEL.test(last) ? null : { kind: 'name', name };
}
