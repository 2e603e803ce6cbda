import { AppError, classifyFailure, errors, isAppError } from '@ingest/errors';
import type { Logger } from '@ingest/config';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import multer from 'multer';
import type { Caller } from './authenticate';

/** Maps multer's limit and parse errors into the system's vocabulary. */
function fromMulter(e: multer.MulterError, maxUploadBytes: number): AppError {
  switch (e.code) {
    case 'LIMIT_FILE_SIZE':
      return errors.uploadTooLarge(maxUploadBytes);
    case 'LIMIT_UNEXPECTED_FILE':
      return errors.unexpectedField(e.field ?? '');
    case 'LIMIT_FILE_COUNT':
    case 'LIMIT_PART_COUNT':
    case 'LIMIT_FIELD_COUNT':
    case 'LIMIT_FIELD_KEY':
    case 'LIMIT_FIELD_VALUE':
    case 'MISSING_FIELD_NAME':
      return errors.malformedMultipart(e.message);
  }
}

/** What body-parser and the router throw (http-errors): a status, and a type for body-parser's. */
interface HttpErrorShape {
  status: number;
  type?: unknown;
  limit?: unknown;
  message: string;
}

const isHttpError = (e: unknown): e is HttpErrorShape =>
  e instanceof Error &&
  'status' in e &&
  typeof e.status === 'number' &&
  e.status >= 400 &&
  e.status < 500;

/** A refused request body or an undecodable URL, in the system's vocabulary rather than a 500. */
function fromHttpError(e: HttpErrorShape): AppError {
  if (e.status === 413) return errors.bodyTooLarge(typeof e.limit === 'number' ? e.limit : 0);
  if (e.type === 'entity.parse.failed') {
    return errors.validation(`the request body is not valid JSON: ${e.message}`);
  }
  return errors.validation(`the request cannot be read: ${e.message}`);
}

/** Multipart parse failures from busboy arrive as plain Errors with these messages. */
const BUSBOY_MESSAGES =
  /Multipart: Boundary not found|Unexpected end of form|Malformed part header|Unsupported content type/i;

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(errors.routeNotFound(req.method, req.path));
};

/** The one place errors become HTTP: `{ error: { code, message } }` with a fitting status. */
export function errorMiddleware(logger: Logger, maxUploadBytes: number): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let appError: AppError;
    if (isAppError(err)) appError = err;
    else if (err instanceof multer.MulterError) {
      const caller = res.locals.caller as Caller | undefined;
      appError = fromMulter(err, caller?.limits.maxUploadBytes ?? maxUploadBytes);
    } else if (err instanceof Error && BUSBOY_MESSAGES.test(err.message)) {
      appError = errors.malformedMultipart(err.message);
    } else if (isHttpError(err)) appError = fromHttpError(err);
    else if (classifyFailure(err) === 'retryable') appError = errors.databaseUnavailable(err);
    else appError = errors.internal(err);

    if (appError.httpStatus >= 500) {
      logger.error({ err: appError.cause ?? err, path: req.path }, appError.message);
    }
    if (res.headersSent) return;
    // An unread request body (refused before or during the upload) is not drained: close instead.
    if (!req.complete) res.set('Connection', 'close');
    if (appError.retryAfterSeconds !== undefined) {
      res.set('Retry-After', String(appError.retryAfterSeconds));
    }
    res.status(appError.httpStatus).json({ error: appError.toJSON() });
  };
}
