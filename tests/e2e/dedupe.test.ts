import { createHash } from 'node:crypto';
import { peopleFixture, useTestSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';

type Accepted = JobView & { deduplicated?: boolean };

/** Whole-file idempotency by content: SHA-256 computed while streaming, `dedupe=content`. */
describe('dedupe=content and Content-Digest', () => {
  const ctx = useTestSystem({}, { loaders: 1, notifier: false });
  const { text } = peopleFixture(500, 5);
  const sha256 = createHash('sha256').update(text).digest();

  const put = (query: string, headers: Record<string, string> = {}, body = text) =>
    ctx.system.fetch(`/v1/jobs/raw?${query}`, { method: 'PUT', body, headers });

  const count = async (table: string) =>
    (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.system.table(table)}`))
      .rows[0]?.n;

  it('returns the earlier job for identical content into the same table, loading nothing twice', async () => {
    const first = await put('table=deduped&dedupe=content');
    expect(first.status).toBe(202);
    const job = (await first.json()) as Accepted;
    expect(job.sha256).toBe(sha256.toString('hex'));
    expect((await ctx.system.waitForJob(job.id)).status).toBe('completed');

    const again = await put('table=deduped&dedupe=content');
    expect(again.status).toBe(200);
    expect(again.headers.get('content-deduplicated')).toBe('true');
    const replay = (await again.json()) as Accepted;
    expect(replay).toMatchObject({ id: job.id, status: 'completed', deduplicated: true });
    expect(await count('deduped')).toBe(500);

    // Another table is another load; and without dedupe the same table loads again.
    const elsewhere = await put('table=deduped_elsewhere&dedupe=content');
    expect(elsewhere.status).toBe(202);
    const plain = await put('table=deduped');
    expect(plain.status).toBe(202);
    const plainJob = (await plain.json()) as Accepted;
    expect((await ctx.system.waitForJob(plainJob.id)).status).toBe('completed');
    expect(await count('deduped')).toBe(1000);
  });

  it('with a Content-Digest, answers a duplicate before reading the body', async () => {
    const first = await put('table=digested&dedupe=content');
    const job = (await first.json()) as Accepted;
    await ctx.system.waitForJob(job.id);
    const digest = `sha-256=:${sha256.toString('base64')}:`;
    // A body that does not even match: had it been read, this would be a 400.
    const res = await put(
      'table=digested&dedupe=content',
      { 'Content-Digest': digest },
      'x,y\n1,2\n',
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as Accepted).id).toBe(job.id);
  });

  it('refuses a body whose SHA-256 differs from its Content-Digest, storing nothing', async () => {
    const digest = `sha-256=:${createHash('sha256').update('other').digest('base64')}:`;
    const res = await put('table=digest_mismatch', { 'Content-Digest': digest });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('DIGEST_MISMATCH');
    expect(body.error.message).toContain(sha256.toString('hex'));
    const jobs = await ctx.db.query(
      `SELECT 1 FROM ingest.jobs WHERE table_name = 'digest_mismatch'`,
    );
    expect(jobs.rowCount).toBe(0);
  });
});
