import type { JobView } from '@ingest/contracts';
import { peopleFixture, useTestSystem } from '@ingest/testing';
import { eventually } from '../support/broker';
import { startStalledUpload } from '../support/gateway-process';

const UPLOADS = 14;

/**
 * More long uploads at once than the gateway has pooled database connections
 * (ten): each holds its upload's lock for as long as it lasts, and the gateway
 * still answers other requests, takes new uploads and finishes them all.
 */
describe('a gateway receiving more uploads at once than it has database connections', () => {
  const ctx = useTestSystem({ GATEWAY_SEGMENT_BYTES: '65536' }, { loaders: 1, notifier: false });

  it('keeps answering while fourteen streamed uploads hold their locks, then loads each', async () => {
    const key = await ctx.system.createApiKey('default', { maxConcurrentUploads: UPLOADS + 1 });
    const files = Array.from({ length: UPLOADS }, (_, i) =>
      Buffer.from(peopleFixture(6_000, i + 1).text),
    );
    const held = files.map((file, i) =>
      startStalledUpload(
        ctx.system.baseUrl,
        key,
        `many_${i}`,
        file.subarray(0, 100_000),
        file.length, // a declared length: stored in segments, a job from the first one on
      ),
    );
    const answers = held.map(
      (req) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          req.on('response', (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
        }),
    );
    const receiving = async () => {
      await new Promise((r) => setTimeout(r, 250)); // within the key's requests per minute
      const res = await fetch(`${ctx.system.baseUrl}/v1/jobs?limit=100`, {
        headers: { authorization: `Bearer ${key}` },
      });
      if (!res.ok) return -res.status;
      // Receiving, or already loading what has arrived.
      const { jobs } = (await res.json()) as { jobs: JobView[] };
      return jobs.filter((j) => j.status === 'receiving' || j.status === 'loading').length;
    };
    expect(await eventually(receiving, (n) => n === UPLOADS, 20_000)).toBe(UPLOADS);

    // Every upload holds its lock now; a new upload and its job's status still go through.
    const small = await fetch(`${ctx.system.baseUrl}/v1/jobs/raw?table=many_small`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}` },
      body: 'id,name\n1,a\n2,b\n',
    });
    expect(small.status).toBe(202);
    const smallJob = (await small.json()) as JobView;
    expect(await ctx.system.waitForJob(smallJob.id)).toMatchObject({
      status: 'completed',
      rows: { loaded: 2 },
    });

    held.forEach((req, i) => req.end(files[i]?.subarray(100_000)));
    const answered = await Promise.all(answers);
    expect(answered.map((a) => a.status)).toEqual(files.map(() => 202));
    for (const [i, { body }] of answered.entries()) {
      const job = await ctx.system.waitForJob((JSON.parse(body) as JobView).id);
      expect(job).toMatchObject({ status: 'completed', rows: { loaded: 6_000, rejected: 0 } });
      const { rows } = await ctx.db.query<{ n: number }>(
        `SELECT count(DISTINCT id)::int AS n FROM ${ctx.system.table(`many_${i}`)}`,
      );
      expect(rows[0]?.n).toBe(6_000);
    }
  });
});
