import express, { Router } from 'express';
import { dirname } from 'node:path';
import { buildOpenApiDocument } from '../openapi/openapi-document';

/** The page that shows the description with Swagger UI's own bundle (no CDN: served from here). */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>csv-ingest API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// A script file rather than an inline one, so a strict Content-Security-Policy allows it.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

const swaggerUiDirectory = (): string => dirname(require.resolve('swagger-ui-dist/package.json'));

/** `GET /openapi.json` (the OpenAPI 3.1 description) and `GET /docs` (it, rendered); no key needed. */
export function docsRoutes(): Router {
  const router = Router();
  const document = JSON.stringify(buildOpenApiDocument());
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(document);
  });
  router.get(['/docs', '/docs/'], (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  router.use('/docs', express.static(swaggerUiDirectory(), { index: false, maxAge: '1h' }));
  return router;
}
