/**
 * Failover mid-job on a real Patroni cluster (fresh per test, see NOTES: deterministic): the
 * leader's Patroni and postmaster are killed with SIGKILL while a job loads through the HAProxy
 * write port. A new leader must be elected, the job must complete with exactly the file's rows,
 * and no acknowledged commit may be lost (synchronous_mode, the default).
 */
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

describe('failover: kill -9 of the Patroni leader mid-job', () => {
  let cluster: HaCluster;
  let ingest: IngestOnCluster;

  beforeAll(async () => {
    cluster = await startHaCluster(clusterOptions('failover'));
    ingest = await startIngestOnCluster(cluster);
  }, 180_000);

  afterAll(async () => {
    await ingest?.stop();
    await cluster?.stop();
  }, 180_000);

  it('elects a new leader, completes the job with every row once, loses no commit', async () => {
    const { system, file, db } = ingest;
    const id = await uploadFile(
      system,
      file.path,
      `table=people_failover&chunk_size=${CHUNK_BYTES}`,
    );
    // Mid-job: some chunks committed, most still to come.
    const before = await waitForProgress(system, id, (j) => j.chunks.done >= 2);
    expect(before.status).not.toBe('completed');

    const probe = new WriteProbe(db.writeUrl);
    await probe.start();
    await new Promise((r) => setTimeout(r, 1000));
    const killed = await cluster.killLeader();
    const leader = await cluster.waitForLeader({ not: killed.name, timeoutMs: 60_000 });
    const electedMs = Date.now() - killed.at;

    const done = await system.waitForJob(id, 300_000);
    await probe.stop();
    const outageMs = probe.longestGapAround(killed.at);
    const firstWriteMs = probe.outageAfter(killed.at);
    const lost = await probe.lost();
    const counts = await tableCounts(db.writeUrl, 'people_failover');
    recordResult({
      test: 'failover-kill9',
      replication: cluster.settings.HA_REPLICATION,
      killed: killed.name,
      newLeader: leader,
      electedMs,
      firstWriteAfterKillMs: firstWriteMs,
      writeOutageMs: outageMs,
      probeErrors: probe.errors,
      probeAcked: probe.acked.length,
      probeLost: lost.length,
      chunksDoneAtKill: before.chunks.done,
      chunks: done.chunks,
      job: done.status,
      rows: counts,
    });

    expect(leader).not.toBe(killed.name);
    expect(done.status).toBe('completed');
    expect(counts).toEqual({ total: file.records, distinct_ids: file.records });
    expect(lost).toEqual([]);
    // What the API reports (hot state in Redis) must agree with the table.
    expect(done.rows).toEqual({ loaded: file.records, rejected: 0 });
    expect(done.chunks.done).toBe(done.chunks.total);
    expect(outageMs).toBeLessThan((Number(cluster.settings.HA_TTL ?? '5') + 25) * 1000);
  }, 420_000);
});
