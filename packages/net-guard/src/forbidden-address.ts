import { cidrContains, type Cidr } from './cidr';
import { formatIp, parseIp, type IpAddress } from './ip-address';
import { specialRangeOf } from './special-ranges';

/**
 * Why a webhook may not connect to a parsed address, or null when it may.
 * The operator allow-list wins over every rule; it is matched against the
 * canonical address (an IPv4-mapped IPv6 address counts as its IPv4 form).
 */
export function addressForbiddenReason(address: IpAddress, allow: readonly Cidr[]): string | null {
  if (allow.some((cidr) => cidrContains(cidr, address))) return null;
  const range = specialRangeOf(address);
  return range === null ? null : `${formatIp(address)} is ${range}`;
}

/** The same for an address in any notation; text that is no IP address is refused (fail closed). */
export function forbiddenReason(ip: string, allow: readonly Cidr[]): string | null {
  const address = parseIp(ip);
  return address === null ? `"${ip}" is not an IP address` : addressForbiddenReason(address, allow);
}

export function isForbiddenAddress(ip: string, allow: readonly Cidr[]): boolean {
  return forbiddenReason(ip, allow) !== null;
}
