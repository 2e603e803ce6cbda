/**
 * One error vocabulary for the whole system: a stable machine-readable code,
 * the HTTP status a transport should use, and whether retrying can help.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'RATE_LIMITED'
  | 'TOO_MANY_UPLOADS'
  | 'UPLOADS_BUSY'
  | 'UPLOAD_TOO_SLOW'
  | 'MISSING_FILE'
  | 'EMPTY_FILE'
  | 'UPLOAD_TOO_LARGE'
  | 'UPLOAD_ABORTED'
  | 'UNEXPECTED_FIELD'
  | 'MALFORMED_MULTIPART'
  | 'INVALID_TABLE_NAME'
  | 'JOB_NOT_FOUND'
  | 'JOB_ALREADY_ENDED'
  | 'JOB_NOT_ENDED'
  | 'ROUTE_NOT_FOUND'
  | 'STORAGE_UNAVAILABLE'
  | 'QUEUE_UNAVAILABLE'
  | 'DATABASE_UNAVAILABLE'
  | 'CSV_NO_HEADER'
  | 'TARGET_COLUMNS_MISSING'
  | 'CSV_RECORD_TOO_LARGE'
  | 'DECOMPRESSED_TOO_LARGE'
  | 'RECONCILIATION_MISMATCH'
  | 'WEBHOOK_URL_FORBIDDEN'
  | 'SCHEMA_INVALID'
  | 'SCHEMA_COLUMN_MISSING'
  | 'WEBHOOK_NOT_FOUND'
  | 'DATASET_NOT_FOUND'
  | 'DATASET_EXISTS'
  | 'TARGET_TYPE_MISMATCH'
  | 'REJECT_BUDGET_EXCEEDED'
  | 'WEBHOOK_DELIVERY_NOT_FOUND'
  | 'TARGET_KEY_MISSING'
  | 'DIGEST_MISMATCH'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'LOAD_KEY_UNKNOWN'
  | 'METHOD_NOT_ALLOWED'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_FORMAT'
  | 'CSV_INVALID_HEADER'
  | 'CSV_QUOTE_NOT_CLOSED'
  | 'UPLOAD_NOT_FOUND'
  | 'UPLOAD_EXPIRED'
  | 'CONTENT_DUPLICATE'
  | 'CHUNK_TIMEOUT'
  | 'INTERNAL';

export type Failure = 'permanent' | 'retryable';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly httpStatus: number,
    readonly failure: Failure = 'permanent',
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** When retrying makes sense again (HTTP `Retry-After`), if known. */
  readonly retryAfterSeconds: number | undefined;

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const errors = {
  validation: (message: string) => new AppError('VALIDATION_FAILED', message, 400),
  unauthenticated: () =>
    new AppError('UNAUTHENTICATED', 'send a valid API key as "Authorization: Bearer <key>"', 401),
  rateLimited: (limit: number, retryAfterSeconds: number) =>
    new AppError(
      'RATE_LIMITED',
      `more than ${limit} requests per minute for this API key`,
      429,
      'retryable',
      { retryAfterSeconds },
    ),
  tooManyUploads: (limit: number) =>
    new AppError(
      'TOO_MANY_UPLOADS',
      `more than ${limit} concurrent uploads for this API key`,
      429,
      'retryable',
      { retryAfterSeconds: 5 },
    ),
  uploadsBusy: (capacityBytes: number) =>
    new AppError(
      'UPLOADS_BUSY',
      `this gateway holds as many resumable uploads in memory as it may (${Math.round(capacityBytes / 2 ** 20)} MiB of segments); nothing of this request was read: send it again after Retry-After, from the same offset`,
      503,
      'retryable',
      { retryAfterSeconds: 5 },
    ),
  uploadTooSlow: (minBytesPerSecond: number, windowSeconds: number) =>
    new AppError(
      'UPLOAD_TOO_SLOW',
      `the upload sent less than ${minBytesPerSecond} bytes/s over ${windowSeconds} s`,
      408,
    ),
  missingFile: () =>
    new AppError('MISSING_FILE', 'the multipart body has no file part named "file"', 400),
  emptyFile: () => new AppError('EMPTY_FILE', 'the uploaded file is empty', 400),
  digestMismatch: (declared: string, actual: string) =>
    new AppError(
      'DIGEST_MISMATCH',
      `the body's SHA-256 is ${actual}, not the ${declared} its Content-Digest declares; nothing was stored`,
      400,
    ),
  /** IETF draft-ietf-httpapi-idempotency-key-header: a key reused for another request is a 422. */
  idempotencyKeyReused: (key: string, what: string) =>
    new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency-Key "${key}" was already used for a request with other ${what}; send a new key for a new upload`,
      422,
    ),
  uploadTooLarge: (limit: number) =>
    new AppError('UPLOAD_TOO_LARGE', `the upload exceeds the limit of ${limit} bytes`, 413),
  uploadAborted: () =>
    new AppError('UPLOAD_ABORTED', 'the client closed the connection before the upload ended', 400),
  unexpectedField: (field: string) =>
    new AppError(
      'UNEXPECTED_FIELD',
      `unexpected file field "${field}"; send the CSV as "file"`,
      400,
    ),
  malformedMultipart: (detail: string) =>
    new AppError('MALFORMED_MULTIPART', `malformed multipart body: ${detail}`, 400),
  invalidTableName: (name: string) =>
    new AppError(
      'INVALID_TABLE_NAME',
      `"${name}" is not a valid table name: use letters, digits and underscores, at most 63 characters, not starting with a digit`,
      400,
    ),
  jobNotFound: (id: string) => new AppError('JOB_NOT_FOUND', `no job with id "${id}"`, 404),
  uploadNotFound: (id: string) =>
    new AppError('UPLOAD_NOT_FOUND', `no resumable upload with id "${id}"`, 404),
  webhookNotFound: (id: string) =>
    new AppError('WEBHOOK_NOT_FOUND', `no webhook endpoint with id "${id}"`, 404),
  webhookDeliveryNotFound: (id: string) =>
    new AppError('WEBHOOK_DELIVERY_NOT_FOUND', `no webhook delivery with id "${id}"`, 404),
  jobAlreadyEnded: (id: string, status: string) =>
    new AppError('JOB_ALREADY_ENDED', `job "${id}" has already ended (${status})`, 409),
  jobNotEnded: (id: string, status: string) =>
    new AppError(
      'JOB_NOT_ENDED',
      `job "${id}" is still running (${status}): cancel it first (POST /v1/jobs/${id}/cancel), then delete it`,
      409,
    ),
  routeNotFound: (method: string, path: string) =>
    new AppError('ROUTE_NOT_FOUND', `no route for ${method} ${path}`, 404),
  methodNotAllowed: (method: string, path: string, allowed: readonly string[]) =>
    new AppError(
      'METHOD_NOT_ALLOWED',
      `${method} is not allowed on ${path}; it takes ${allowed.join(', ')}`,
      405,
    ),
  bodyTooLarge: (limitBytes: number) =>
    new AppError(
      'BODY_TOO_LARGE',
      `the request body exceeds the limit of ${limitBytes} bytes for this route`,
      413,
    ),
  storageUnavailable: (cause?: unknown) =>
    new AppError('STORAGE_UNAVAILABLE', 'object storage is unreachable', 503, 'retryable', {
      cause,
    }),
  queueUnavailable: (cause?: unknown) =>
    new AppError('QUEUE_UNAVAILABLE', 'the message queue is unreachable', 503, 'retryable', {
      cause,
    }),
  databaseUnavailable: (cause?: unknown) =>
    new AppError('DATABASE_UNAVAILABLE', 'the database is unreachable', 503, 'retryable', {
      cause,
    }),
  datasetNotFound: (name: string) =>
    new AppError('DATASET_NOT_FOUND', `no dataset named "${name}"`, 404),
  datasetExists: (name: string) =>
    new AppError('DATASET_EXISTS', `a dataset named "${name}" already exists`, 409),
  unsupportedFormat: (found: { format: string; advice: string }) =>
    new AppError(
      'UNSUPPORTED_FORMAT',
      `the file is ${found.format}, not CSV: ${found.advice}`,
      415,
    ),
  invalidHeader: (detail: string) =>
    new AppError('CSV_INVALID_HEADER', `the header record ${detail}`, 422),
  quoteNotClosed: (where: string) =>
    new AppError(
      'CSV_QUOTE_NOT_CLOSED',
      `${where} opens a quoted field that is never closed (the rest of the file would be one field)`,
      422,
    ),
  noHeader: () => new AppError('CSV_NO_HEADER', 'the file has no header record', 422),
  targetColumnsMissing: (table: string, columns: string[]) =>
    new AppError(
      'TARGET_COLUMNS_MISSING',
      `table "${table}" exists but lacks the file's columns: ${columns.join(', ')}`,
      422,
    ),
  recordTooLarge: (limit: number, offset: number) =>
    new AppError(
      'CSV_RECORD_TOO_LARGE',
      `a record starting at byte ${offset} is longer than the maximum record size of ${limit} bytes`,
      422,
    ),
  decompressedTooLarge: (limit: number) =>
    new AppError(
      'DECOMPRESSED_TOO_LARGE',
      `the decompressed file exceeds the limit of ${limit} bytes (INGEST_MAX_DECOMPRESSED_BYTES)`,
      422,
    ),
  /** A chunk outlived its time budget (the loader's watchdog); retryable until its deliveries run out. */
  chunkTimeout: (chunkIndex: number, budgetMs: number) =>
    new AppError(
      'CHUNK_TIMEOUT',
      `chunk ${chunkIndex} was still loading after its budget of ${(budgetMs / 1000).toFixed(1)} s (LOADER_CHUNK_BUDGET_BASE + LOADER_CHUNK_BUDGET_PER_MIB per MiB); it was aborted and rolled back`,
      500,
      'retryable',
    ),
  internal: (cause?: unknown) =>
    new AppError('INTERNAL', 'internal error', 500, 'permanent', { cause }),
} as const;
