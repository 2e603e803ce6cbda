import { errors } from '@ingest/errors';
import { parseTableSchema } from '@ingest/normalize';
import type { DatasetRecord, DatasetRepository } from '@ingest/postgres';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { callerOf } from '../http/authenticate';
import { DATASET_NAME, DATASET_NAME_RULE } from '../http/id-patterns';
import { jsonBody } from '../http/json-body';
import { parseInput } from '../http/parse-input';

export interface DatasetRoutesDeps {
  datasets: DatasetRepository;
}

const createBody = z.object({
  name: z.string().regex(DATASET_NAME, DATASET_NAME_RULE),
  schema: z.unknown(),
});

const viewOf = (d: DatasetRecord) => ({
  name: d.name,
  schema: d.schema,
  created_at: d.created_at.toISOString(),
});

/**
 * Named table schemas of a tenant. A name is taken once (409 DATASET_EXISTS):
 * jobs that loaded with it keep a copy of the schema they used on their own row.
 */
export function datasetRoutes(deps: DatasetRoutesDeps): Router {
  const router = Router();

  router.post('/v1/datasets', jsonBody(256 * 1024), async (req: Request, res: Response) => {
    const body = parseInput(createBody, req.body, 'body');
    const schema = parseTableSchema(body.schema);
    const created = await deps.datasets.create(callerOf(res).tenant, body.name, schema);
    if (!created) throw errors.datasetExists(body.name);
    res.status(201).location(`/v1/datasets/${created.name}`).json(viewOf(created));
  });

  router.get('/v1/datasets/:name', async (req: Request, res: Response) => {
    const name = String(req.params.name);
    const found = DATASET_NAME.test(name)
      ? await deps.datasets.get(callerOf(res).tenant, name)
      : null;
    if (!found) throw errors.datasetNotFound(name);
    res.json(viewOf(found));
  });

  return router;
}
