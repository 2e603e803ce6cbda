import express, { type RequestHandler, type Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where the web dashboard's build lies when GATEWAY_DASHBOARD_DIR is empty: the `dist/`
 * of the @ingest/dashboard package (web/, built by `npm run build`). Resolved through
 * the package, so it holds from the TypeScript sources and from the bundle alike.
 */
export function defaultDashboardDir(): string | null {
  try {
    return join(dirname(require.resolve('@ingest/dashboard/package.json')), 'dist');
  } catch {
    return null;
  }
}

/** True when `dir` holds a dashboard build (its index.html). */
export const isDashboardBuild = (dir: string | null): dir is string =>
  dir !== null && existsSync(join(dir, 'index.html'));

// Everything the page loads comes from this origin: no CDN, no inline script.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function setHeaders(res: Response, path: string): void {
  res.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Referrer-Policy', 'no-referrer');
  // Vite names assets by content hash: they never change; index.html always may.
  const hashed = /[\\/]assets[\\/][^\\/]+-[A-Za-z0-9_-]{8,}\.\w+$/.test(path);
  res.set('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
}

/**
 * The dashboard's static files at `/` (GET and HEAD only). `/v1` is never looked up on
 * disk: API paths keep their own 404 and 405 answers, and a file can never shadow a route.
 */
export function dashboardFiles(dir: string): RequestHandler {
  const serve = express.static(dir, { index: 'index.html', redirect: false, setHeaders });
  return (req, res, next) => {
    if (req.path === '/v1' || req.path.startsWith('/v1/')) {
      next();
      return;
    }
    serve(req, res, next);
  };
}
