import SwaggerParser from '@apidevtools/swagger-parser';
import { createApp, type AppDeps } from '../app';
import { buildOpenApiDocument } from './openapi-document';

interface RouteLayer {
  route?: { path: string | string[]; methods: Record<string, boolean | undefined> };
  handle: unknown;
}

/** Every `METHOD path` the app's routers register (mounted routers are all mounted at `/`). */
function registeredRoutes(stack: readonly RouteLayer[], into: Set<string>): Set<string> {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on === true) for (const p of paths) into.add(`${method.toUpperCase()} ${p}`);
      }
    } else if (typeof layer.handle === 'function' && 'stack' in layer.handle) {
      registeredRoutes(layer.handle.stack as RouteLayer[], into);
    }
  }
  return into;
}

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('is a valid OpenAPI 3.1 description (checked by swagger-parser)', async () => {
    const api = await SwaggerParser.validate(structuredClone(document) as never);
    expect(api).toHaveProperty('openapi', '3.1.0');
  });

  it('describes exactly the routes the gateway serves', () => {
    // Route registration reads no dependency: an empty set is enough to list them.
    const app = createApp({ access: {}, dashboardDir: null } as unknown as AppDeps);
    const served = [...registeredRoutes(app.router.stack as RouteLayer[], new Set())]
      .filter((r) => !/ \/(docs|openapi\.json|metrics)/.test(r))
      .map((r) => r.replace(/:(\w+)/g, '{$1}'))
      .sort();
    const paths = document.paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(served);
  });

  it('names every operation once and answers every keyed /v1 operation with an Error schema for 401', () => {
    const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
    const ops = Object.entries(paths).flatMap(([path, o]) =>
      Object.entries(o).map(([method, op]) => ({ path, method, op })),
    );
    const ids = ops.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    // tus discovery (OPTIONS) is public, as the protocol has it; every other /v1 route needs a key.
    const keyed = ops.filter((o) => o.path.startsWith('/v1') && o.method !== 'options');
    for (const { path, op } of keyed) {
      const responses = op.responses as Record<string, { content?: Record<string, unknown> }>;
      expect([path, responses['401']?.content?.['application/json']]).toEqual([
        path,
        { schema: { $ref: '#/components/schemas/Error' } },
      ]);
    }
  });
});
