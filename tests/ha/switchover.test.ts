/**
 * One fresh Patroni cluster (synchronous_mode, synchronous_commit = remote_apply, the defaults):
 * replica reads through the HAProxy read port see every acknowledged commit at once, and a
 * planned `patronictl switchover` mid-job loses nothing and loads every row exactly once.
 */
import pg from 'pg';
import { startHaCluster, type HaCluster } from '@ingest/testing';
import {
  CHUNK_BYTES,
  clusterOptions,
  recordResult,
  startIngestOnCluster,
  tableCounts,
  uploadFile,
  waitForProgress,
  WriteProbe,
  type IngestOnCluster,
} from './support';

describe('planned switchover and replica reads', () => {
  let cluster: HaCluster;
  let ingest: IngestOnCluster;

  beforeAll(async () => {
    cluster = await startHaCluster(clusterOptions('switchover'));
    ingest = await startIngestOnCluster(cluster);
  }, 180_000);

  afterAll(async () => {
    await ingest?.stop();
    await cluster?.stop();
  }, 180_000);

  it('shows every commit acknowledged by the write port on the read port at once', async () => {
    const { db } = ingest;
    const writer = new pg.Client({ connectionString: db.writeUrl });
    // Two read connections: HAProxy balances connections round robin over both replicas.
    const readers = [
      new pg.Client({ connectionString: db.readUrl }),
      new pg.Client({ connectionString: db.readUrl }),
    ];
    await writer.connect();
    for (const r of readers) await r.connect();
    try {
      await writer.query('CREATE TABLE replica_check (id int PRIMARY KEY, note text)');
      const ports = new Set<number>();
      for (const r of readers) {
        const { rows } = await r.query<{ standby: boolean; port: number }>(
          'SELECT pg_is_in_recovery() AS standby, inet_server_port() AS port',
        );
        expect(rows[0]?.standby).toBe(true);
        ports.add(rows[0]?.port ?? 0);
      }
      expect(ports.size).toBe(2); // both replicas serve reads

      let missing = 0;
      for (let i = 1; i <= 200; i++) {
        await writer.query('INSERT INTO replica_check VALUES ($1, $2)', [i, `row ${i}`]);
        // Right after the commit is acknowledged: no sleep, no retry.
        for (const r of readers) {
          const { rowCount } = await r.query('SELECT 1 FROM replica_check WHERE id = $1', [i]);
          if (rowCount !== 1) missing++;
        }
      }
      recordResult({ test: 'replica-read-after-write', commits: 200, reads: 400, missing });
      expect(missing).toBe(0);

      // The read port is read-only: a write there fails with SQLSTATE 25006.
      await expect(
        readers[0]?.query("INSERT INTO replica_check VALUES (0, 'no')"),
      ).rejects.toMatchObject({ code: '25006' });
    } finally {
      await writer.end();
      for (const r of readers) await r.end();
    }
  }, 120_000);

  it('switches over mid-job without losing a commit; the job loads every row once', async () => {
    const { system, file, db } = ingest;
    const id = await uploadFile(
      system,
      file.path,
      `table=people_switchover&chunk_size=${CHUNK_BYTES}`,
    );
    const before = await waitForProgress(system, id, (j) => j.chunks.done >= 2);
    expect(before.status).not.toBe('completed');

    const probe = new WriteProbe(db.writeUrl);
    await probe.start();
    await new Promise((r) => setTimeout(r, 1000));
    const { from, at } = await cluster.switchover();
    const leader = await cluster.waitForLeader({ not: from, timeoutMs: 60_000 });
    const switchedMs = Date.now() - at;

    const done = await system.waitForJob(id, 300_000);
    await probe.stop();
    const outageMs = probe.longestGapAround(at);
    const lost = await probe.lost();
    const counts = await tableCounts(db.writeUrl, 'people_switchover');
    recordResult({
      test: 'switchover',
      replication: cluster.settings.HA_REPLICATION,
      from,
      to: leader,
      switchedMs,
      writeOutageMs: outageMs,
      probeErrors: probe.errors,
      probeAcked: probe.acked.length,
      probeLost: lost.length,
      chunksDoneAtSwitch: before.chunks.done,
      chunks: done.chunks,
      job: done.status,
      rows: counts,
    });

    expect(leader).not.toBe(from);
    expect(done.status).toBe('completed');
    expect(counts).toEqual({ total: file.records, distinct_ids: file.records });
    expect(lost).toEqual([]);
    // What the API reports (hot state in Redis) must agree with the table.
    expect(done.rows).toEqual({ loaded: file.records, rejected: 0 });
    expect(done.chunks.done).toBe(done.chunks.total);
    expect(outageMs).toBeLessThan((Number(cluster.settings.HA_TTL ?? '5') + 25) * 1000);
  }, 420_000);
});
