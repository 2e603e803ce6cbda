import { useTestSystem, peopleFixture, type RunningSystem } from '@ingest/testing';
import type { JobView } from '@ingest/contracts';

const put = async (system: RunningSystem, table: string, body: string, query = '') => {
  const res = await system.fetch(`/v1/jobs/raw?table=${table}${query}`, { method: 'PUT', body });
  expect(res.status).toBe(202);
  return ((await res.json()) as JobView).id;
};

/** Reads a server-sent event stream to its end and returns the events in order. */
async function readEvents(
  system: RunningSystem,
  path: string,
): Promise<{ event: string; data: JobView }[]> {
  const res = await system.fetch(path);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? '';
      const data = JSON.parse(
        lines.find((l) => l.startsWith('data: '))?.slice(6) ?? '{}',
      ) as JobView;
      return { event, data };
    });
}

describe('job status: polling, listing, events, cancel', () => {
  const ctx = useTestSystem({}, { loaders: 1, notifier: false });

  it('answers 304 to a poll whose ETag still matches', async () => {
    const id = await put(ctx.system, 'etag_people', peopleFixture(20).text);
    await ctx.system.waitForJob(id);
    const first = await ctx.system.fetch(`/v1/jobs/${id}`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await ctx.system.fetch(`/v1/jobs/${id}`, {
      headers: { 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    const stale = await ctx.system.fetch(`/v1/jobs/${id}`, {
      headers: { 'If-None-Match': 'W/"old"' },
    });
    expect(stale.status).toBe(200);
  });

  it('lists jobs newest first with cursor pages and a status filter', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await put(ctx.system, `list_${i}`, 'a,b\n1,2\n'));
    for (const id of ids) await ctx.system.waitForJob(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const res = await ctx.system.fetch(`/v1/jobs?limit=2${query}`);
      const page = (await res.json()) as { jobs: JobView[]; next_cursor: string | null };
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const mine = seen.filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());
    const completed = (await (
      await ctx.system.fetch(`/v1/jobs?status=completed&limit=200`)
    ).json()) as {
      jobs: JobView[];
    };
    expect(completed.jobs.every((j) => j.status === 'completed')).toBe(true);
    const bad = await ctx.system.fetch(`/v1/jobs?status=nope`);
    expect(bad.status).toBe(400);
  });

  it('streams progress events in order and ends with the final one', async () => {
    const id = await put(ctx.system, 'sse_people', peopleFixture(3000, 9).text, '&chunk_size=4096');
    const events = await readEvents(ctx.system, `/v1/jobs/${id}/events`);
    const last = events[events.length - 1];
    expect(last?.event).toBe('completed');
    expect(last?.data.rows.loaded).toBe(3000);
    expect(events.slice(0, -1).every((e) => e.event === 'progress')).toBe(true);
    const done = events.map((e) => e.data.chunks.done);
    expect(done).toEqual([...done].sort((a, b) => a - b)); // progress never goes backwards
    const bytes = events.map((e) => e.data.progress.bytes_done);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    // Every byte of the scanned source but the header record is in some chunk; each stage has its time.
    const final = last?.data;
    const header = Buffer.byteLength('id,name,email,city,notes\n');
    expect(final?.progress).toEqual({
      bytes_done: (final?.bytes_scanned ?? 0) - header,
      eta_seconds: null,
    });
    const t = final?.timings;
    expect(t?.planned_at).not.toBeNull();
    expect(t?.loading_started_at).not.toBeNull();
    expect(Date.parse(t?.stored_at ?? '')).toBeLessThanOrEqual(
      Date.parse(t?.loading_started_at ?? ''),
    );
    expect(Date.parse(t?.loading_started_at ?? '')).toBeLessThanOrEqual(
      Date.parse(final?.completed_at ?? ''),
    );
  });

  it('cancels a running job: loading stops and the status stays cancelled', async () => {
    const big = peopleFixture(30000, 4).text;
    const id = await put(ctx.system, 'cancel_people', big, '&chunk_size=2048');
    const res = await ctx.system.fetch(`/v1/jobs/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(((await res.json()) as JobView).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 1500));
    const count = async () =>
      (
        await ctx.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM ingest.chunk_ledger WHERE job_id = $1',
          [id],
        )
      ).rows[0]?.n ?? 0;
    const before = await count();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await count()).toBe(before);
    const job = await ctx.system.waitForJob(id);
    expect(job.status).toBe('cancelled');
    expect(job.rows.loaded).toBeLessThan(30000);
    const again = await ctx.system.fetch(`/v1/jobs/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
  });
});
