import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { Cidr } from './cidr';
import { addressForbiddenReason } from './forbidden-address';
import { webhookUrlForbidden } from './forbidden-error';
import { guardedLookup } from './guarded-lookup';
import { systemResolver, type Resolver } from './resolver';
import { parseUrlHost } from './url-host';

export interface GuardedDispatcherOptions {
  /** Defaults to the system resolver; tests inject one. */
  resolve?: Resolver;
  /** TCP + TLS connect timeout; undici's default (10 s) when absent. */
  connectTimeoutMs?: number;
}

/**
 * Delivery-time SSRF guard: an undici Agent that checks the address it is
 * about to connect to, every time it opens a connection. Literal IPs are
 * checked here (net.connect skips lookup for them); names go through
 * guardedLookup. A refusal fails the request with WEBHOOK_URL_FORBIDDEN as
 * the cause and no connection attempt. Redirects are the caller's business:
 * use `redirect: 'manual'`.
 */
export function createGuardedDispatcher(
  allow: readonly Cidr[],
  options: GuardedDispatcherOptions = {},
): Dispatcher {
  const connect = buildConnector({
    lookup: guardedLookup(allow, options.resolve ?? systemResolver),
    ...(options.connectTimeoutMs === undefined ? {} : { timeout: options.connectTimeoutMs }),
  });
  return new Agent({
    connect: (opts, callback) => {
      const host = parseUrlHost(opts.hostname);
      if (host === null) {
        callback(webhookUrlForbidden(`webhook host "${opts.hostname}" is not valid`), null);
        return;
      }
      if (host.kind === 'ip') {
        const reason = addressForbiddenReason(host.address, allow);
        if (reason !== null) {
          callback(webhookUrlForbidden(`webhook host ${host.text} is forbidden: ${reason}`), null);
          return;
        }
        // The canonical text, so net.connect cannot read the literal differently.
        connect({ ...opts, hostname: host.text }, callback);
        return;
      }
      connect(opts, callback);
    },
  });
}
