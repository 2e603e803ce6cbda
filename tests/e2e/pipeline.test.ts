import { createHmac } from 'node:crypto';
import amqp from 'amqplib';
import { ChunkPlanner } from '@ingest/csv';
import { peopleFixture, useTestSystem, WebhookReceiver, type RunningSystem } from '@ingest/testing';
import type { ChunkTask, JobView } from '@ingest/contracts';

const normalized = (rows: string[][]) =>
  rows.map((r) => r.map((v) => (v.trim() === '' ? null : v.trim())));

const uploadMultipart = async (
  system: RunningSystem,
  query: string,
  csv: string,
  name = 'people.csv',
) => {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), name);
  return system.fetch(`/v1/jobs?${query}`, { method: 'POST', body: form });
};

describe('end-to-end pipeline on the real servers', () => {
  const ctx = useTestSystem({}, { loaders: 2 });
  const receiver = new WebhookReceiver(1); // the first attempt fails: the retry must deliver
  let hookUrl: string;

  beforeAll(async () => {
    hookUrl = await receiver.start();
  });

  afterAll(async () => {
    await receiver.stop();
  });

  const tableRows = async (table: string) =>
    (
      await ctx.db.query<{ row: string[] }>(
        `SELECT ARRAY[id::text, name, email, city, notes] AS row FROM ${ctx.system.table(table)} ORDER BY id::int`,
      )
    ).rows.map((r) => r.row);

  it('loads a multipart upload with exactly the file rows and values', async () => {
    const fixture = peopleFixture(3000);
    const res = await uploadMultipart(ctx.system, 'table=people_multipart', fixture.text);
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as JobView & { links: { self: string } };
    expect(accepted.links.self).toBe(`/v1/jobs/${accepted.id}`);
    expect(['stored', 'planned', 'loading', 'completed']).toContain(accepted.status);

    const done = await ctx.system.waitForJob(accepted.id);
    expect(done.status).toBe('completed');
    expect(done.rows).toEqual({ loaded: 3000, rejected: 0 });
    expect(done.records).toBe(3000);
    expect(done.bytes).toBe(Buffer.byteLength(fixture.text));
    expect(await tableRows('people_multipart')).toEqual(normalized(fixture.rows));
  });

  it('loads a raw PUT body the same way, table name from the query', async () => {
    const fixture = peopleFixture(2500, 7);
    const res = await ctx.system.fetch(`/v1/jobs/raw?table=people_raw`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: fixture.text,
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({
      status: 'completed',
      table: 't_default.people_raw',
      rows: { loaded: 2500, rejected: 0 },
    });
    expect(await tableRows('people_raw')).toEqual(normalized(fixture.rows));
  });

  it('splits a larger file into many chunks and loads every row once; a redelivered chunk changes nothing', async () => {
    const fixture = peopleFixture(4000, 3);
    const chunkSize = 4096;
    const res = await uploadMultipart(
      ctx.system,
      `table=people_chunks&chunk_size=${chunkSize}`,
      fixture.text,
    );
    const { id } = (await res.json()) as JobView;
    const done = await ctx.system.waitForJob(id);
    expect(done.status).toBe('completed');
    expect(done.chunks.total).toBeGreaterThan(20);
    expect(done.chunks.done).toBe(done.chunks.total);
    expect(await tableRows('people_chunks')).toEqual(normalized(fixture.rows));

    // Redeliver every chunk task of the finished job, as a crashed-before-ack loader would cause.
    const planner = new ChunkPlanner({
      targetChunkBytes: chunkSize,
      delimiter: 0x2c,
      quote: 0x22,
      maxRecordBytes: 1 << 20,
      header: true,
    });
    const chunks = [...planner.push(Buffer.from(fixture.text)), ...planner.finish()];
    expect(chunks).toHaveLength(done.chunks.total ?? -1);
    const {
      rows: [job],
    } = await ctx.db.query<{ object_key: string; columns: string[]; schema: unknown }>(
      'SELECT object_key, columns, schema FROM ingest.jobs WHERE id = $1',
      [id],
    );
    const connection = await amqp.connect(ctx.t.env.RABBITMQ_URL ?? '');
    const channel = await connection.createConfirmChannel();
    for (const c of chunks) {
      const task: ChunkTask = {
        type: 'chunk.load',
        version: 1,
        jobId: id,
        chunkIndex: c.index,
        objectKey: job?.object_key ?? '',
        range: { start: c.start, end: c.end },
        firstLine: c.firstLine,
        records: c.records,
        invalidUtf8: false,
        dialect: { delimiter: ',', quote: '"', header: true },
        targetSchema: ctx.system.schema,
        table: 'people_chunks',
        columns: job?.columns ?? [],
        schemaVersion: 2,
        schema: job?.schema,
        header: fixture.header,
        load: { kind: 'direct' },
      };
      channel.sendToQueue(
        `${ctx.t.env.QUEUE_PREFIX}ingest.chunks`,
        Buffer.from(JSON.stringify(task)),
        {
          persistent: true,
        },
      );
    }
    await channel.waitForConfirms();
    const queue = `${ctx.t.env.QUEUE_PREFIX}ingest.chunks`;
    const deadline = Date.now() + 30_000;
    while ((await channel.checkQueue(queue)).messageCount > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500)); // the last delivered task finishes its (no-op) transaction
    await connection.close();

    const count = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${ctx.system.table('people_chunks')}`,
    );
    expect(count.rows[0]?.n).toBe(4000);
    const ledger = await ctx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ingest.chunk_ledger WHERE job_id = $1',
      [id],
    );
    expect(ledger.rows[0]?.n).toBe(done.chunks.total);
    const after = await ctx.system.waitForJob(id);
    expect(after.rows).toEqual({ loaded: 4000, rejected: 0 });
  });

  it('delivers a signed job.completed webhook, retrying after a failed attempt', async () => {
    const fixture = peopleFixture(50, 11);
    const res = await uploadMultipart(
      ctx.system,
      `table=people_hook&webhook_url=${encodeURIComponent(hookUrl)}`,
      fixture.text,
    );
    const { id } = (await res.json()) as JobView;
    await ctx.system.waitForJob(id);
    const [hook] = await receiver.waitFor(1);
    expect(receiver.attempts).toBeGreaterThanOrEqual(2);
    const body = JSON.parse(hook?.body ?? '{}') as { type: string; data: JobView };
    expect(body.type).toBe('job.completed');
    expect(body.data).toMatchObject({ id, status: 'completed', rows: { loaded: 50, rejected: 0 } });
    const headers = hook?.headers ?? {};
    const secret = Buffer.from('ZGV2ZWxvcG1lbnQtb25seS13ZWJob29rLXNlY3JldA==', 'base64');
    const expected = createHmac('sha256', secret)
      .update(
        `${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${hook?.body ?? ''}`,
      )
      .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('returns the same job for a repeated Idempotency-Key', async () => {
    const fixture = peopleFixture(10, 5);
    const first = await uploadMultipart(ctx.system, 'table=people_idem', fixture.text);
    const headers = { 'Idempotency-Key': 'abc-123' };
    const a = await ctx.system.fetch(`/v1/jobs/raw?table=people_idem`, {
      method: 'PUT',
      headers,
      body: fixture.text,
    });
    const b = await ctx.system.fetch(`/v1/jobs/raw?table=people_idem`, {
      method: 'PUT',
      headers,
      body: fixture.text,
    });
    expect(first.status).toBe(202);
    expect(a.status).toBe(202);
    expect(b.status).toBe(200);
    expect(((await b.json()) as JobView).id).toBe(((await a.json()) as JobView).id);
  });
});
