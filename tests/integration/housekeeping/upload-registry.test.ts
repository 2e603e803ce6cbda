import { UploadRegistry } from '@ingest/housekeeping';
import { useMigratedDatabase } from '../jobs/job-fixtures';

/** `ingest.uploads`: leases of writes in progress, against the real database. */
describe('UploadRegistry', () => {
  const db = useMigratedDatabase();
  const registry = () => new UploadRegistry(db.pool);

  it('settles only writes whose lease ran out, once, and a renewal then says the write is lost', async () => {
    const uploads = registry();
    const live = await uploads.record('uploads/live', 'w', 60_000);
    const dead = await uploads.record('uploads/dead', 'w', 1000);
    await uploads.recordUploadId(dead, 'mpu-1');
    await db.pool.query(
      `UPDATE ingest.uploads SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [dead],
    );
    const settled: string[] = [];
    const count = await uploads.settleExpired(10, (u) => {
      settled.push(`${u.object_key} ${u.upload_id}`);
      return Promise.resolve();
    });
    expect(count).toBe(1);
    expect(settled).toEqual(['uploads/dead mpu-1']);
    expect(await uploads.renew(dead, 1000)).toBe(false);
    expect(await uploads.renew(live, 60_000)).toBe(true);
    expect(await uploads.keysInFlight(['uploads/live', 'uploads/dead'])).toEqual(
      new Set(['uploads/live']),
    );
    await uploads.forget(live);
    expect(await uploads.keysInFlight(['uploads/live'])).toEqual(new Set());
  });

  it('lets replicas take disjoint rows; a renewal of a row a sweep took says the write is lost', async () => {
    const uploads = registry();
    await Promise.all(['a', 'b', 'c', 'd'].map((k) => uploads.record(`uploads/${k}`, 'w', 1000)));
    await db.pool.query(`UPDATE ingest.uploads SET expires_at = now() - interval '1 second'`);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const first = uploads.settleExpired(2, () => held);
    await new Promise((r) => setTimeout(r, 200));
    // The other replica takes the two rows the first does not hold.
    const second = await uploads.settleExpired(10, () => Promise.resolve());
    expect(second).toBe(2);
    const claimedByFirst = (
      await db.pool.query<{ id: string }>('SELECT id FROM ingest.uploads')
    ).rows.map((r) => r.id);
    expect(claimedByFirst).toHaveLength(2);
    // A writer renewing a row the sweep holds learns its verdict: lost.
    const renewal = uploads.renew(claimedByFirst[0] ?? '', 60_000);
    release();
    expect(await first).toBe(2);
    expect(await renewal).toBe(false);
  });
});
