/** Exit codes: what scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The job failed or was cancelled, the API refused the request, or it could not be reached. */
  failed: 1,
  /** The command line itself is wrong: an unknown option, a missing argument, an unreadable file. */
  usage: 2,
} as const;

/** A mistake in the command line: exit 2, before anything is sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An error answer of the API: `{"error": {"code", "message"}}` with its HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server could not be reached at all (refused, reset, DNS): says where it looked. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
}

/** Reads an error body as the API writes it; anything else becomes a code of its own. */
export function apiErrorOf(status: number, body: string): ApiError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = parsed.error ?? {};
    if (typeof code === 'string' && typeof message === 'string') {
      return new ApiError(status, code, message);
    }
  } catch {
    // not JSON: a proxy's page, say
  }
  const text = body.trim().slice(0, 200);
  return new ApiError(status, `HTTP_${status}`, text === '' ? `HTTP ${status}` : text);
}

/** One line for stderr saying what went wrong and, where it helps, what to do. */
export function describeError(error: unknown, url: string): string {
  if (error instanceof ApiError) {
    if (error.code === 'UNAUTHENTICATED') {
      return `the API key was refused (${error.code}: ${error.message}); pass --key or set CSV_INGEST_KEY`;
    }
    return `${error.message} (${error.code}, HTTP ${error.status})`;
  }
  if (error instanceof ConnectionError) return error.message;
  if (error instanceof Error) return error.message;
  return `unexpected error talking to ${url}: ${String(error)}`;
}
