import type { DatasetRecord, DatasetRepository } from '@ingest/datasets';
import { errors } from '@ingest/errors';
import { parseTableSchema } from '@ingest/normalize';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { callerOf } from '../http/authenticate';
import { DATASET_NAME, DATASET_NAME_RULE } from '../http/id-patterns';
import { jsonBody } from '../http/json-body';
import { parseInput, parseQuery } from '../http/parse-input';
import type { DatasetView } from '../openapi/api-schemas';

export interface DatasetRoutesDeps {
  datasets: DatasetRepository;
}

const SCHEMA_BODY_BYTES = 256 * 1024;

export const datasetCreateBody = z.object({
  name: z.string().regex(DATASET_NAME, DATASET_NAME_RULE),
  schema: z.unknown(),
});

/** `PUT /v1/datasets/:name`: the name is the URL's; a `name` in the body must agree. */
export const datasetPutBody = z.object({
  name: z.string().optional(),
  schema: z.unknown(),
});

export const datasetListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

const viewOf = (d: DatasetRecord): DatasetView => ({
  name: d.name,
  schema: d.schema,
  created_at: d.created_at.toISOString(),
});

/** Opaque page cursors: the last name of the page. */
const encodeCursor = (name: string) => Buffer.from(name).toString('base64url');

function decodeCursor(cursor: string): string {
  const name = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!DATASET_NAME.test(name)) throw errors.validation('cursor is not one this API returned');
  return name;
}

/** The `:name` of the URL; one that cannot be a dataset name is simply not found. */
const datasetName = (req: Request): string => {
  const name = String(req.params.name);
  if (!DATASET_NAME.test(name)) throw errors.datasetNotFound(name);
  return name;
};

const bodyOf = (req: Request): unknown => {
  if (req.body === undefined) {
    throw errors.validation('send a JSON body with Content-Type: application/json');
  }
  return req.body;
};

/**
 * Named table schemas of a tenant. `POST` takes a name once (409 DATASET_EXISTS);
 * `PUT` creates or replaces. Jobs that loaded with a dataset keep a copy of the
 * schema they used on their own row, so replacing or deleting one changes no job.
 */
export function datasetRoutes(deps: DatasetRoutesDeps): Router {
  const router = Router();

  router.post('/v1/datasets', jsonBody(SCHEMA_BODY_BYTES), async (req: Request, res: Response) => {
    const body = parseInput(datasetCreateBody, bodyOf(req), 'body');
    const schema = parseTableSchema(body.schema);
    const created = await deps.datasets.create(callerOf(res).tenant, body.name, schema);
    if (!created) throw errors.datasetExists(body.name);
    res.status(201).location(`/v1/datasets/${created.name}`).json(viewOf(created));
  });

  router.get('/v1/datasets', async (req: Request, res: Response) => {
    const { limit, cursor } = parseQuery(datasetListQuery, req.query);
    const rows = await deps.datasets.list(callerOf(res).tenant, {
      limit: limit + 1,
      after: cursor === undefined ? undefined : decodeCursor(cursor),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    res.json({
      datasets: page.map(viewOf),
      next_cursor: rows.length > limit && last ? encodeCursor(last.name) : null,
    });
  });

  router.get('/v1/datasets/:name', async (req: Request, res: Response) => {
    const name = datasetName(req);
    const found = await deps.datasets.get(callerOf(res).tenant, name);
    if (!found) throw errors.datasetNotFound(name);
    res.json(viewOf(found));
  });

  router.put(
    '/v1/datasets/:name',
    jsonBody(SCHEMA_BODY_BYTES),
    async (req: Request, res: Response) => {
      const name = String(req.params.name);
      if (!DATASET_NAME.test(name)) throw errors.validation(`dataset name ${DATASET_NAME_RULE}`);
      const body = parseInput(datasetPutBody, bodyOf(req), 'body');
      if (body.name !== undefined && body.name !== name) {
        throw errors.validation(`body name "${body.name}" differs from the URL's "${name}"`);
      }
      const schema = parseTableSchema(body.schema);
      const { dataset, created } = await deps.datasets.put(callerOf(res).tenant, name, schema);
      if (created) res.status(201).location(`/v1/datasets/${name}`);
      res.json(viewOf(dataset));
    },
  );

  router.delete('/v1/datasets/:name', async (req: Request, res: Response) => {
    const name = datasetName(req);
    if (!(await deps.datasets.delete(callerOf(res).tenant, name))) {
      throw errors.datasetNotFound(name);
    }
    res.status(204).end();
  });

  return router;
}
