import SwaggerParser from '@apidevtools/swagger-parser';
import { useTestSystem } from '@ingest/testing';
import { DocumentedResponses, type OpenApiDocument } from '../support/documented-response';

const json = (body: unknown): RequestInit => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

describe('GET /openapi.json describes what the gateway really answers', () => {
  const ctx = useTestSystem({ WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' }, { loaders: 1 });
  let docs: DocumentedResponses;

  beforeAll(async () => {
    const res = await fetch(`${ctx.system.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as OpenApiDocument;
    await SwaggerParser.validate(structuredClone(document) as never);
    docs = new DocumentedResponses(document);
  });

  it('serves the rendered description at /docs from its own files', async () => {
    const page = await fetch(`${ctx.system.baseUrl}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const res = await fetch(`${ctx.system.baseUrl}${asset[1]}`);
      expect([asset[1], res.status]).toEqual([asset[1], 200]);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10);
    }
  });

  it('jobs: uploads, replays, status, lists, rejects, cancel and delete, with their errors', async () => {
    const { system } = ctx;
    const csv = 'id,name\n1,Ada\n2,Grace\nx,Bad\n';
    const put = () =>
      system.fetch('/v1/jobs/raw?table=openapi_people&dedupe=content', {
        method: 'PUT',
        body: csv,
        headers: { 'Idempotency-Key': 'openapi-1' },
      });
    const job = (await docs.check('put', '/v1/jobs/raw', await put())) as { id: string };
    await docs.check('put', '/v1/jobs/raw', await put()); // the replay: 200
    const form = new FormData();
    form.append('file', new Blob([csv]), 'people.csv');
    await docs.check(
      'post',
      '/v1/jobs',
      await system.fetch('/v1/jobs?table=openapi_people_2', { method: 'POST', body: form }),
    );
    await docs.check(
      'post',
      '/v1/jobs',
      await system.fetch('/v1/jobs', { method: 'POST', body: new FormData() }),
    ); // 400 MISSING_FILE
    await docs.check(
      'put',
      '/v1/jobs/raw',
      await system.fetch('/v1/jobs/raw?chunk_size=tiny', { method: 'PUT', body: csv }),
    );
    await system.waitForJob(job.id);

    await docs.check('get', '/v1/jobs/{id}', await system.fetch(`/v1/jobs/${job.id}`));
    await docs.check('get', '/v1/jobs', await system.fetch('/v1/jobs?limit=1'));
    await docs.check('get', '/v1/jobs', await system.fetch('/v1/jobs?limt=1'));
    const rejects = (await docs.check(
      'get',
      '/v1/jobs/{id}/rejects',
      await system.fetch(`/v1/jobs/${job.id}/rejects`),
    )) as { rejects: unknown[] };
    expect(rejects.rejects.length).toBeGreaterThanOrEqual(0);
    await docs.check(
      'get',
      '/v1/jobs/{id}/rejects',
      await system.fetch(`/v1/jobs/${job.id}/rejects?format=csv`),
    );
    await docs.check(
      'post',
      '/v1/jobs/{id}/cancel',
      await system.fetch(`/v1/jobs/${job.id}/cancel`, { method: 'POST' }),
    ); // 409
    const missing = '00000000-0000-4000-8000-000000000000';
    await docs.check('get', '/v1/jobs/{id}', await system.fetch(`/v1/jobs/${missing}`));
    await docs.check(
      'get',
      '/v1/jobs',
      await fetch(`${system.baseUrl}/v1/jobs`, { headers: { Authorization: 'Bearer nope' } }),
    );
    await docs.check(
      'delete',
      '/v1/jobs/{id}',
      await system.fetch(`/v1/jobs/${job.id}`, { method: 'DELETE' }),
    );
  });

  it('datasets and webhooks, with their errors', async () => {
    const { system } = ctx;
    const schema = { columns: [{ name: 'id', type: 'integer' }] };
    const create = () =>
      system.fetch('/v1/datasets', { method: 'POST', ...json({ name: 'openapi_ds', schema }) });
    await docs.check('post', '/v1/datasets', await create());
    await docs.check('post', '/v1/datasets', await create()); // 409
    await docs.check(
      'post',
      '/v1/datasets',
      await system.fetch('/v1/datasets', { method: 'POST', ...json({ name: 'x', schema: 1 }) }),
    );
    await docs.check('get', '/v1/datasets', await system.fetch('/v1/datasets'));
    await docs.check('get', '/v1/datasets/{name}', await system.fetch('/v1/datasets/openapi_ds'));
    await docs.check(
      'put',
      '/v1/datasets/{name}',
      await system.fetch('/v1/datasets/openapi_ds2', { method: 'PUT', ...json({ schema }) }),
    );
    await docs.check(
      'delete',
      '/v1/datasets/{name}',
      await system.fetch('/v1/datasets/openapi_ds', { method: 'DELETE' }),
    );
    await docs.check('get', '/v1/datasets/{name}', await system.fetch('/v1/datasets/openapi_ds'));

    const endpoint = (await docs.check(
      'post',
      '/v1/webhooks',
      await system.fetch('/v1/webhooks', {
        method: 'POST',
        ...json({ url: 'http://127.0.0.1:9/hook' }),
      }),
    )) as { id: string };
    await docs.check(
      'post',
      '/v1/webhooks',
      await system.fetch('/v1/webhooks', { method: 'POST', ...json({ url: 'ftp://x' }) }),
    );
    await docs.check('get', '/v1/webhooks', await system.fetch('/v1/webhooks'));
    await docs.check('get', '/v1/webhooks/{id}', await system.fetch(`/v1/webhooks/${endpoint.id}`));
    const put = await system.fetch('/v1/jobs/raw?table=openapi_hooked', {
      method: 'PUT',
      body: 'id\n1\n',
    });
    const job = (await docs.check('put', '/v1/jobs/raw', put)) as { id: string };
    await system.waitForJob(job.id);
    let deliveries: { deliveries: { id: string }[] } = { deliveries: [] };
    for (let i = 0; i < 50 && deliveries.deliveries.length === 0; i++) {
      deliveries = (await docs.check(
        'get',
        '/v1/webhooks/deliveries',
        await system.fetch(`/v1/webhooks/deliveries?job=${job.id}`),
      )) as typeof deliveries;
      await new Promise((r) => setTimeout(r, 100));
    }
    const delivery = deliveries.deliveries[0];
    expect(delivery).toBeDefined();
    await docs.check(
      'get',
      '/v1/webhooks/deliveries/{id}',
      await system.fetch(`/v1/webhooks/deliveries/${delivery?.id}`),
    );
    await docs.check(
      'post',
      '/v1/webhooks/deliveries/{id}/redeliver',
      await system.fetch(`/v1/webhooks/deliveries/${delivery?.id}/redeliver`, { method: 'POST' }),
    );
    await docs.check(
      'get',
      '/v1/webhooks/deliveries/{id}',
      await system.fetch('/v1/webhooks/deliveries/msg_missing'),
    );
    await docs.check(
      'delete',
      '/v1/webhooks/{id}',
      await system.fetch(`/v1/webhooks/${endpoint.id}`, { method: 'DELETE' }),
    );
    await docs.check('get', '/healthz', await fetch(`${system.baseUrl}/healthz`));
    await docs.check('get', '/readyz', await fetch(`${system.baseUrl}/readyz`));
  });

  afterAll(() => {
    // What the suite compared against the document, for whoever reads the log.
    expect(docs.checked.size).toBeGreaterThan(30);
  });
});
