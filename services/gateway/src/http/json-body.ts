import { errors } from '@ingest/errors';
import express, { type RequestHandler } from 'express';

/**
 * Parses a small JSON body. body-parser's own errors (malformed JSON, too
 * large, bad charset) would otherwise reach the error middleware as a 500.
 */
export function jsonBody(limitBytes = 16 * 1024): RequestHandler {
  const parse = express.json({ limit: limitBytes });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err === undefined) return next();
      const type = typeof err === 'object' && err !== null && 'type' in err ? err.type : '';
      next(
        errors.validation(
          type === 'entity.too.large'
            ? `the request body exceeds ${limitBytes} bytes`
            : `the request body is not valid JSON: ${err instanceof Error ? err.message : ''}`,
        ),
      );
    });
  };
}
