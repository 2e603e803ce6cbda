import express, { type RequestHandler } from 'express';
import { sendContinue } from './expect-continue';

/**
 * Parses a small JSON body (a 100-continue client is told to send it first).
 * body-parser's own errors — too large, malformed, an unknown charset — reach
 * the error middleware, which answers them in the API's JSON shape.
 */
export function jsonBody(limitBytes = 16 * 1024): RequestHandler {
  const parse = express.json({ limit: limitBytes });
  return (req, res, next) => {
    sendContinue(req, res);
    void parse(req, res, next);
  };
}
