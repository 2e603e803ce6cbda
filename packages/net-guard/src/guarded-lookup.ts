import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { checkHost } from './check-host';
import type { Cidr } from './cidr';
import { webhookUrlForbidden } from './forbidden-error';
import { formatIp } from './ip-address';
import type { Resolver } from './resolver';
import { parseUrlHost } from './url-host';

const familyWanted = (family: LookupOptions['family']): 4 | 6 | 0 => {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
};

/**
 * A `net.connect` lookup that resolves once, checks every answer and hands
 * the socket exactly the checked addresses: there is no second resolution a
 * rebinding DNS server could answer differently. A forbidden answer fails
 * the lookup, so the socket never starts connecting.
 */
export function guardedLookup(allow: readonly Cidr[], resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    const host = parseUrlHost(hostname);
    if (host === null) {
      callback(webhookUrlForbidden(`webhook host "${hostname}" is not valid`), '');
      return;
    }
    checkHost(host, allow, resolve).then(
      (addresses) => {
        const wanted = familyWanted(options.family);
        const answers: LookupAddress[] = addresses
          .filter((a) => wanted === 0 || a.version === wanted)
          .map((a) => ({ address: formatIp(a), family: a.version }));
        const first = answers[0];
        if (first === undefined) {
          const e = Object.assign(new Error(`no IPv${wanted} address for ${hostname}`), {
            code: 'ENOTFOUND',
          });
          callback(e, '');
        } else if (options.all === true) {
          callback(null, answers);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (e: Error) => callback(e, ''),
    );
  };
}
