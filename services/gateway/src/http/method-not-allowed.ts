import { errors } from '@ingest/errors';
import type { RequestHandler } from 'express';

/** What this module reads of the router's stack (express 5 / router 2): route layers and mounted routers. */
interface LayerShape {
  route?: { methods: Record<string, boolean | undefined> };
  handle: unknown;
  match(path: string): false | { path: string };
}

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const stackOf = (value: unknown): LayerShape[] | null =>
  (typeof value === 'function' || typeof value === 'object') &&
  value !== null &&
  'stack' in value &&
  Array.isArray(value.stack)
    ? (value.stack as LayerShape[])
    : null;

/** A layer's match, or false for a path it cannot decode (that request is answered elsewhere). */
const matchOf = (layer: LayerShape, path: string) => {
  try {
    return layer.match(path);
  } catch {
    return false;
  }
};

function collectMethods(stack: readonly LayerShape[], path: string, into: Set<string>): void {
  for (const layer of stack) {
    const match = matchOf(layer, path);
    if (match === false) continue;
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on === true && method !== '_all') into.add(method.toUpperCase());
      }
      continue;
    }
    // A mounted router: its routes see the path below its mount point.
    const inner = stackOf(layer.handle);
    if (inner) collectMethods(inner, path.slice(match.path.length) || '/', into);
  }
}

/** The methods the app's routes take on `path` (HEAD wherever GET is), in a fixed order. */
export function allowedMethods(router: unknown, path: string): string[] {
  const stack = stackOf(router);
  if (!stack) return [];
  const methods = new Set<string>();
  collectMethods(stack, path, methods);
  if (methods.has('GET')) methods.add('HEAD');
  return ORDER.filter((m) => methods.has(m)).concat([...methods].filter((m) => !ORDER.includes(m)));
}

/**
 * Runs after every route: a path some route takes with other methods is a 405
 * with `Allow` (RFC 9110 §15.5.6); a path no route takes goes on to the 404.
 */
export function methodNotAllowed(router: unknown): RequestHandler {
  return (req, res, next) => {
    const allowed = allowedMethods(router, req.path);
    if (allowed.length === 0 || allowed.includes(req.method)) {
      next();
      return;
    }
    res.set('Allow', allowed.join(', '));
    next(errors.methodNotAllowed(req.method, req.path, allowed));
  };
}
