import { checkHost } from './check-host';
import type { Cidr } from './cidr';
import { webhookUrlForbidden } from './forbidden-error';
import { systemResolver, type Resolver } from './resolver';
import { parseUrlHost } from './url-host';

export interface WebhookUrlOptions {
  /** Operator exceptions (`WEBHOOK_ALLOWED_CIDRS`), see parseCidrs. */
  allow: readonly Cidr[];
  /** Defaults to the system resolver; tests inject one. */
  resolve?: Resolver;
}

/**
 * Registration-time check of a webhook URL: http(s) only, no credentials,
 * and a host that neither is nor resolves to non-public address space.
 * Throws AppError WEBHOOK_URL_FORBIDDEN (400). Delivery must still go
 * through createGuardedDispatcher: DNS can answer differently later.
 */
export async function assertWebhookUrl(url: string, options: WebhookUrlOptions): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw webhookUrlForbidden('webhook URL is not a valid absolute URL', e);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw webhookUrlForbidden(
      `webhook URL scheme "${parsed.protocol}" is not allowed; use http or https`,
    );
  }
  // Never echo the credentials themselves: the message goes back to the client and into logs.
  if (parsed.username !== '' || parsed.password !== '') {
    throw webhookUrlForbidden('webhook URL must not contain credentials (user:password@)');
  }
  const host = parseUrlHost(parsed.hostname);
  if (host === null)
    throw webhookUrlForbidden(`webhook URL host "${parsed.hostname}" is not valid`);
  await checkHost(host, options.allow, options.resolve ?? systemResolver);
  return parsed;
}
