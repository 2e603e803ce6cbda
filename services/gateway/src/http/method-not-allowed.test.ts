import express, { Router } from 'express';
import { allowedMethods } from './method-not-allowed';

/** Routes of one path spread over two routers, as the app's feature routers do. */
function sampleApp() {
  const app = express();
  const a = Router();
  a.get('/v1/things', (_req, res) => void res.end());
  a.get('/v1/things/:id', (_req, res) => void res.end());
  a.delete('/v1/things/:id', (_req, res) => void res.end());
  const b = Router();
  b.post('/v1/things', (_req, res) => void res.end());
  b.put('/v1/things/special', (_req, res) => void res.end());
  app.use('/v1', (_req, _res, next) => next());
  app.use(a);
  app.use(b);
  const mounted = Router();
  mounted.patch('/inner', (_req, res) => void res.end());
  app.use('/mount', mounted);
  return app;
}

describe('allowedMethods', () => {
  const app = sampleApp();

  it.each([
    ['/v1/things', ['GET', 'HEAD', 'POST']],
    ['/v1/things/42', ['GET', 'HEAD', 'DELETE']],
    ['/v1/things/special', ['GET', 'HEAD', 'PUT', 'DELETE']],
    ['/mount/inner', ['PATCH']],
    ['/v1/nothing/here', []],
    ['/v1/things/a/b', []],
    ['/v1/things/%E0%A4%A', []],
  ])('%s takes %j', (path, methods) => {
    expect(allowedMethods(app.router, path)).toEqual(methods);
  });
});
