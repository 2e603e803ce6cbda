import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JobView } from '@ingest/contracts';
import { peopleFixture, spawnService, useTestSystem, type ServiceProcess } from '@ingest/testing';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { expectExactlyOnce, expectLedgerComplete, until } from '../support/exactly-once';

const ROOT = resolve(__dirname, '../..');
const ROWS = 60_000;
const FILE = peopleFixture(ROWS, 17).text; // ~2.7 MB
const SIZE = Buffer.byteLength(FILE);
const CHUNK_BYTES = 65_536; // ~40 chunks
/** The splitter reads the object at this rate: its scan takes ~5 s, time to kill it midway. */
const S3_BYTES_PER_SECOND = 512 * 1024;

/**
 * kill -9 of the splitter mid-plan: a new splitter takes the redelivered job
 * message and resumes the scan at the plan's last recorded chunk. The splitter
 * runs as its own process reading the object store through a throttling proxy,
 * which also counts every byte it read; loaders run in the test process.
 */
describe('splitter killed mid-plan', () => {
  const ctx = useTestSystem({}, { splitter: false });
  let proxy: TcpProxy;
  const splitters: ServiceProcess[] = [];

  const startSplitter = (name: string) => {
    const logDir = join(ROOT, '.run', 'logs', 'tests', ctx.t.env.QUEUE_PREFIX ?? 'x');
    mkdirSync(logDir, { recursive: true });
    const env = {
      ...process.env,
      ...ctx.t.env,
      S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      LOG_LEVEL: 'info',
    };
    const proc = spawnService(ROOT, 'splitter', name, env, logDir);
    splitters.push(proc);
    return proc;
  };

  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(ctx.t.env.S3_ENDPOINT ?? '').port));
    proxy.throttle(S3_BYTES_PER_SECOND);
  });
  afterAll(async () => {
    for (const s of splitters) if (!s.exitInfo) s.child.kill('SIGTERM');
    await Promise.all(splitters.map((s) => s.exited));
    await proxy?.close();
  });

  const plan = async (jobId: string) =>
    (
      await ctx.db.query<{
        chunks_planned: number;
        next_offset: number;
        scans: number;
        last_scan_from: number;
        bytes_read: number;
      }>(
        `SELECT chunks_planned, next_offset::int, scans, last_scan_from::int, bytes_read::int
         FROM ingest.job_plans WHERE job_id = $1`,
        [jobId],
      )
    ).rows[0];

  it('resumes planning where the killed splitter stopped, without reading the file again', async () => {
    const first = startSplitter('splitter-killed');
    const res = await ctx.system.fetch(
      `/v1/jobs/raw?table=split_killed&chunk_size=${CHUNK_BYTES}`,
      {
        method: 'PUT',
        body: FILE,
      },
    );
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as JobView;

    // Killed once half the file is planned: a scan from byte 0 again would read 1.5x the file.
    await until(
      'half the file planned',
      async () => ((await plan(id))?.next_offset ?? 0) > SIZE / 2,
      60_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await plan(id);
    const readByFirst = proxy.bytesFromServer;
    expect(atKill?.next_offset).toBeLessThan(SIZE * 0.9);
    const { rows: status } = await ctx.db.query<{ chunks_total: number | null }>(
      'SELECT chunks_total FROM ingest.jobs WHERE id = $1',
      [id],
    );
    expect(status[0]?.chunks_total).toBeNull(); // planning was not finished

    startSplitter('splitter-restarted');
    const done = await ctx.system.waitForJob(id, 120_000);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: ROWS, rejected: 0 } });
    await expectExactlyOnce(ctx.db, ctx.system.table('split_killed'), ROWS);
    await expectLedgerComplete(ctx.db, id, done.chunks.total ?? -1);

    // The second scan began at the first one's last recorded chunk.
    const after = await plan(id);
    expect(after).toMatchObject({ scans: 2, last_scan_from: atKill?.next_offset });
    // Bytes the splitters read from the object store, samples and HTTP included: the file
    // once plus what the killed scan read past its last record — well below a full re-read.
    const readByBoth = proxy.bytesFromServer;
    expect(readByBoth).toBeLessThan(1.5 * SIZE);
    // The second splitter: its samples (64 KiB reads) and the rest of the file from the resume point.
    expect(readByBoth - readByFirst).toBeLessThan(SIZE - (atKill?.next_offset ?? 0) + 512 * 1024);
    // The plan's own count (what the recorded chunks were read from) says the same.
    expect(after?.bytes_read).toBeLessThan(1.2 * SIZE);
  });
});
