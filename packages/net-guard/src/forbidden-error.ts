import { AppError } from '@ingest/errors';

export const WEBHOOK_URL_FORBIDDEN = 'WEBHOOK_URL_FORBIDDEN';

/** The one error every refusal uses: the API answers 400 WEBHOOK_URL_FORBIDDEN. */
export const webhookUrlForbidden = (message: string, cause?: unknown): AppError =>
  new AppError(WEBHOOK_URL_FORBIDDEN, message, 400, 'permanent', { cause });

/**
 * Whether an error, or one in its `cause` chain, is a guard refusal: fetch
 * reports it as the cause of `TypeError: fetch failed`. A delivery refused
 * this way is a policy decision, not a network failure worth retrying soon.
 */
export function isWebhookUrlForbidden(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if ('code' in current && current.code === WEBHOOK_URL_FORBIDDEN) return true;
    current = 'cause' in current ? current.cause : undefined;
  }
  return false;
}
