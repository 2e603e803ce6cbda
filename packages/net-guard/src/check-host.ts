import type { Cidr } from './cidr';
import { addressForbiddenReason } from './forbidden-address';
import { webhookUrlForbidden } from './forbidden-error';
import { parseIp, type IpAddress } from './ip-address';
import type { Resolver } from './resolver';
import type { UrlHost } from './url-host';

const checked = (address: IpAddress, allow: readonly Cidr[], what: string): IpAddress => {
  const reason = addressForbiddenReason(address, allow);
  if (reason !== null) throw webhookUrlForbidden(`${what} is forbidden: ${reason}`);
  return address;
};

/**
 * Resolve a host (a literal IP is its own answer) and check every address.
 * Every one must pass: a name answering one public and one private address
 * is refused, since the socket may use either. Returns the canonical
 * addresses, so a caller connects to exactly what was checked.
 */
export async function checkHost(
  host: UrlHost,
  allow: readonly Cidr[],
  resolve: Resolver,
): Promise<IpAddress[]> {
  if (host.kind === 'ip') return [checked(host.address, allow, `webhook host ${host.text}`)];
  let answers: string[];
  try {
    answers = await resolve(host.name);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw webhookUrlForbidden(`webhook host ${host.name} could not be resolved: ${why}`, e);
  }
  if (answers.length === 0) {
    throw webhookUrlForbidden(`webhook host ${host.name} resolves to no address`);
  }
  return answers.map((answer) => {
    const address = parseIp(answer);
    if (address === null) {
      throw webhookUrlForbidden(
        `webhook host ${host.name} resolves to "${answer}", not an IP address`,
      );
    }
    return checked(address, allow, `webhook host ${host.name} (resolved to ${answer})`);
  });
}
