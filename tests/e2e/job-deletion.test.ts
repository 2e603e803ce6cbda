import { peopleFixture, useTestSystem, WebhookReceiver } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { keysStartingWith } from '../support/s3-objects';

interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * `DELETE /v1/jobs/:id`: an ended job goes with everything recorded about it
 * (rows in every table, hot state, stored objects); a live one is refused with
 * JOB_NOT_ENDED until it is cancelled; another tenant's job is not found.
 */
describe('deleting a job', () => {
  const receiver = new WebhookReceiver();
  const ctx = useTestSystem(
    { GATEWAY_SEGMENT_BYTES: '1000', GATEWAY_MIN_CHUNK_BYTES: '16' },
    { loaders: 1 },
  );
  afterAll(() => receiver.stop());

  /** Rows that mention the job, per table. */
  const rowsOf = async (id: string) => {
    const { rows } = await ctx.db.query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM ingest.jobs WHERE id = $1) AS jobs,
              (SELECT count(*)::int FROM ingest.chunk_ledger WHERE job_id = $1) AS ledger,
              (SELECT count(*)::int FROM ingest.rejects WHERE job_id = $1) AS rejects,
              (SELECT count(*)::int FROM ingest.chunk_failures WHERE job_id = $1) AS failures,
              (SELECT count(*)::int FROM ingest.dead_letters WHERE job_id = $1) AS dead_letters,
              (SELECT count(*)::int FROM ingest.webhook_deliveries WHERE job_id = $1) AS deliveries,
              (SELECT count(*)::int FROM ingest.webhook_attempts a
                 JOIN ingest.webhook_deliveries d ON d.id = a.delivery_id
                WHERE d.job_id = $1) AS attempts`,
      [id],
    );
    return rows[0];
  };

  const objectKeyOf = async (id: string) =>
    (
      await ctx.db.query<{ object_key: string }>(
        'SELECT object_key FROM ingest.jobs WHERE id = $1',
        [id],
      )
    ).rows[0]?.object_key ?? '';

  it('removes an ended job, its rows in every table and its objects', async () => {
    const url = await receiver.start();
    const csv = `${peopleFixture(200, 3).text}201,Ragged\n`;
    const res = await ctx.system.fetch(
      `/v1/jobs/raw?table=deleted_people&chunk_size=2048&webhook_url=${encodeURIComponent(url)}`,
      { method: 'PUT', body: csv },
    );
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;
    const done = await ctx.system.waitForJob(id);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: 200, rejected: 1 } });
    await receiver.waitFor(1);
    // What a chunk that failed once and a dead-lettered message would have left.
    await ctx.db.query(
      `INSERT INTO ingest.chunk_failures (job_id, chunk_index, last_error) VALUES ($1, 0, 'x')`,
      [id],
    );
    await ctx.db.query(
      `INSERT INTO ingest.dead_letters (queue, message_id, job_id, reason) VALUES ('q', $1, $2, 'r')`,
      [`${id}:0`, id],
    );
    const key = await objectKeyOf(id);
    const before = await rowsOf(id);
    expect(before).toMatchObject({ jobs: 1, rejects: 1, failures: 1, dead_letters: 1 });
    expect(before?.ledger).toBeGreaterThan(1);
    expect(before?.deliveries).toBe(1);
    expect(before?.attempts).toBeGreaterThanOrEqual(1);
    expect((await keysStartingWith(ctx.t.env, `${key}/`)).length).toBeGreaterThan(1);

    const deleted = await ctx.system.fetch(`/v1/jobs/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await rowsOf(id)).toEqual({
      jobs: 0,
      ledger: 0,
      rejects: 0,
      failures: 0,
      dead_letters: 0,
      deliveries: 0,
      attempts: 0,
    });
    expect(await keysStartingWith(ctx.t.env, key)).toEqual([]);
    // Gone from the hot state too, and from the list; the loaded rows stay.
    const read = await ctx.system.fetch(`/v1/jobs/${id}`);
    expect(read.status).toBe(404);
    expect(((await read.json()) as ErrorBody).error.code).toBe('JOB_NOT_FOUND');
    const list = (await (await ctx.system.fetch('/v1/jobs')).json()) as { jobs: JobView[] };
    expect(list.jobs.map((j) => j.id)).not.toContain(id);
    const again = await ctx.system.fetch(`/v1/jobs/${id}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    const table = await ctx.db.query(
      `SELECT count(*)::int AS n FROM ${ctx.system.table('deleted_people')}`,
    );
    expect(table.rows[0]).toEqual({ n: 200 });
  });

  it('refuses a live job with JOB_NOT_ENDED, and deletes it once cancelled', async () => {
    const res = await ctx.system.fetch('/v1/jobs/raw?table=deleted_live&chunk_size=2048', {
      method: 'PUT',
      body: peopleFixture(3000, 4).text,
    });
    const { id } = (await res.json()) as JobView;
    const refused = await ctx.system.fetch(`/v1/jobs/${id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as ErrorBody;
    expect(error.code).toBe('JOB_NOT_ENDED');
    expect(error.message).toContain(`POST /v1/jobs/${id}/cancel`);
    expect((await rowsOf(id))?.jobs).toBe(1);
    const key = await objectKeyOf(id);
    expect((await keysStartingWith(ctx.t.env, `${key}/`)).length).toBeGreaterThan(0);

    expect((await ctx.system.fetch(`/v1/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    expect((await ctx.system.fetch(`/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await rowsOf(id))?.jobs).toBe(0);
    expect(await keysStartingWith(ctx.t.env, key)).toEqual([]);
  });

  it("answers 404 for another tenant's job and leaves it alone", async () => {
    const res = await ctx.system.fetch('/v1/jobs/raw?table=deleted_not_mine', {
      method: 'PUT',
      body: 'a,b\n1,2\n',
    });
    const { id } = (await res.json()) as JobView;
    await ctx.system.waitForJob(id);
    const other = await ctx.system.createApiKey('someone-else');
    const refused = await ctx.system.fetch(`/v1/jobs/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${other}` },
    });
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as ErrorBody).error.code).toBe('JOB_NOT_FOUND');
    expect((await rowsOf(id))?.jobs).toBe(1);
    expect(await keysStartingWith(ctx.t.env, await objectKeyOf(id))).not.toEqual([]);
    expect((await ctx.system.fetch(`/v1/jobs/${id}`)).status).toBe(200);
  });
});
