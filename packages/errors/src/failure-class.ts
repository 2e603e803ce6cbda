import { isAppError, type Failure } from './app-error';
import { codeOf } from './error-code';

/**
 * SQLSTATEs after which the same work may succeed on a new attempt:
 * serialization failure, deadlock, admin/crash shutdown, cannot connect now,
 * read-only transaction (a demoted leader after failover), lock timeout,
 * connection failures.
 */
const RETRYABLE_SQLSTATES = new Set([
  '40001',
  '40P01',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
  '25006',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
]);

const RETRYABLE_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** node-postgres and socket messages that mean the connection, not the work, failed. */
const CONNECTION_LOST =
  /Connection terminated|connection closed|socket hang up|not queryable|timeout exceeded when trying to connect|Client was closed/i;

/** Classifies any thrown value: retrying helps, or it never will. */
export function classifyFailure(e: unknown): Failure {
  if (isAppError(e)) return e.failure;
  const code = codeOf(e);
  if (code !== null && (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_ERRNOS.has(code))) {
    return 'retryable';
  }
  if (e instanceof Error && CONNECTION_LOST.test(e.message)) return 'retryable';
  return 'permanent';
}

/** Job error codes for database errors retrying cannot fix, by SQLSTATE (or its class). */
const PERMANENT_SQLSTATES: Record<string, string> = {
  '42501': 'TARGET_PERMISSION_DENIED',
  '42P01': 'TARGET_TABLE_MISSING',
  '42703': 'TARGET_COLUMNS_MISSING',
  '42804': 'TARGET_TYPE_MISMATCH',
};
const PERMANENT_CLASSES: Record<string, string> = {
  '23': 'TARGET_CONSTRAINT_VIOLATED',
  '22': 'TARGET_DATA_REJECTED',
};

/** The job error code for a permanent database error (a bad schema, a permission), if it is one. */
export function permanentCodeOf(e: unknown): string | null {
  const code = codeOf(e);
  if (code === null || !/^[0-9A-Z]{5}$/.test(code)) return null;
  return PERMANENT_SQLSTATES[code] ?? PERMANENT_CLASSES[code.slice(0, 2)] ?? null;
}
