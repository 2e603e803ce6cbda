/**
 * Two gateway processes behind HAProxy (infra/ha/gateway-lb.sh: HTTP, round robin, /readyz);
 * one is killed with SIGKILL while two clients keep uploading. Every upload that got a 2xx must
 * complete with all its rows; uploads after the kill go to the survivor and succeed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import {
  createTestEnvironment,
  peopleFixture,
  startSystem,
  type RunningSystem,
  type TestEnvironment,
} from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { recordResult, sleep, tableCounts } from './support';

const ROOT = resolve(__dirname, '../..');
// Per test process, like the clusters' directories (swept by the next HA test run).
const LOG_DIR = join(ROOT, '.run', `ha-test-gateways-${process.pid}`);

const freePort = () =>
  new Promise<number>((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });

const spawnLogged = (name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
  mkdirSync(LOG_DIR, { recursive: true });
  const fd = openSync(join(LOG_DIR, `${name}.log`), 'a');
  try {
    return spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
};

const stopChild = async (child: ChildProcess | undefined) => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
};

async function waitForOk(url: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not OK within ${timeoutMs} ms`);
    await sleep(200);
  }
}

interface Upload {
  n: number;
  table: string;
  startedAt: number;
  endedAt: number;
  status: number;
  servedBy: string | null;
  jobId?: string;
  error?: string;
}

describe('gateways behind HAProxy: one killed while clients upload', () => {
  let t: TestEnvironment;
  let system: RunningSystem;
  const gateways: { name: string; port: number; child: ChildProcess }[] = [];
  let lb: ChildProcess | undefined;
  let lbUrl: string;

  beforeAll(async () => {
    t = await createTestEnvironment({ LOG_LEVEL: 'warn' });
    // Splitter, loaders and notifier in this process; its own gateway is not used.
    system = await startSystem(t.env, { loaders: 2 });
    for (const name of ['gw1', 'gw2']) {
      const port = await freePort();
      const child = spawnLogged(
        name,
        process.execPath,
        ['--import', 'tsx', 'services/gateway/src/main.ts'],
        { ...process.env, ...t.env, GATEWAY_HOST: '127.0.0.1', GATEWAY_PORT: String(port) },
      );
      gateways.push({ name, port, child });
    }
    for (const g of gateways) await waitForOk(`http://127.0.0.1:${g.port}/readyz`);
    const lbPort = await freePort();
    lb = spawnLogged(
      'haproxy',
      'bash',
      [
        'infra/ha/gateway-lb.sh',
        String(lbPort),
        ...gateways.map((g) => `${g.name}=127.0.0.1:${g.port}`),
      ],
      { ...process.env, HA_DIR: LOG_DIR },
    );
    lbUrl = `http://127.0.0.1:${lbPort}`;
    // Both gateways in rotation (rise 2 x 1 s).
    const deadline = Date.now() + 30_000;
    const seen = new Set<string>();
    while (seen.size < 2) {
      const res = await fetch(`${lbUrl}/healthz`).catch(() => undefined);
      const by = res?.headers.get('x-served-by');
      if (res?.ok && by && (await res.text()) && by !== 'undefined') seen.add(by);
      if (Date.now() > deadline) throw new Error(`HAProxy serves only ${[...seen].join(',')}`);
      await sleep(100);
    }
  }, 120_000);

  afterAll(async () => {
    await stopChild(lb);
    for (const g of gateways) await stopChild(g.child);
    await system?.stop();
    await t?.cleanup();
  }, 60_000);

  it('completes every acknowledged upload; after the kill the survivor takes them all', async () => {
    const fixture = peopleFixture(5_000, 5); // ~250 kB per upload
    // Same tenant as the system's key (so waitForJob sees the jobs), without rate limits.
    const key = await system.createApiKey('default', {
      maxRequestsPerMinute: null,
      maxConcurrentUploads: null,
    });
    const uploads: Upload[] = [];
    let running = true;
    let n = 0;
    const client = async () => {
      while (running) {
        const u: Upload = {
          n: ++n,
          table: `gw_upload_${n}`,
          startedAt: Date.now(),
          endedAt: 0,
          status: 0,
          servedBy: null,
        };
        try {
          const res = await system.fetch(`${lbUrl}/v1/jobs/raw?table=${u.table}`, {
            method: 'PUT',
            headers: { 'content-type': 'text/csv', authorization: `Bearer ${key}` },
            body: fixture.text,
          });
          u.status = res.status;
          u.servedBy = res.headers.get('x-served-by');
          const body = (await res.json().catch(() => ({}))) as Partial<JobView>;
          u.jobId = body.id;
        } catch (e) {
          // undici's errors come from another realm than jest's: no instanceof.
          const cause = (e as { cause?: { message?: string; code?: string } }).cause;
          u.error = `${String(e)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
        }
        u.endedAt = Date.now();
        uploads.push(u);
      }
    };
    const clients = [client(), client()];
    await sleep(2000);
    const victim = gateways[0];
    if (!victim) throw new Error('no gateway');
    const exited = new Promise<number>((r) => victim.child.once('exit', () => r(Date.now())));
    const signalledAt = Date.now();
    victim.child.kill('SIGKILL');
    // Uploads that started before the process was gone were in flight on it.
    const killedAt = await exited;
    await sleep(3000);
    running = false;
    await Promise.all(clients);

    const ok = uploads.filter((u) => u.status >= 200 && u.status < 300);
    const afterKill = uploads.filter((u) => u.startedAt > killedAt);
    const failed = uploads.filter((u) => !(u.status >= 200 && u.status < 300));
    recordResult({
      test: 'gateway-killed',
      exitObservedMs: killedAt - signalledAt,
      uploads: uploads.length,
      acknowledged: ok.length,
      failed: failed.map((u) => ({
        status: u.status,
        error: u.error,
        startedMsAfterKill: u.startedAt - killedAt,
        endedMsAfterKill: u.endedAt - killedAt,
        inFlightAtKill: u.startedAt <= killedAt && u.endedAt >= signalledAt,
      })),
      startedAfterKill: afterKill.length,
      servedAfterKill: [...new Set(afterKill.map((u) => u.servedBy))],
    });

    expect(ok.filter((u) => u.startedAt < killedAt).map((u) => u.servedBy)).toEqual(
      expect.arrayContaining(['gw1', 'gw2']),
    );
    // Every failure was an upload in flight on the killed gateway.
    for (const u of failed) expect(u.startedAt).toBeLessThanOrEqual(killedAt);
    expect(afterKill.length).toBeGreaterThan(3);
    for (const u of afterKill) {
      expect(u.status).toBe(202);
      expect(u.servedBy).toBe('gw2');
    }
    // No acknowledged upload is lost: each one completes with all its rows.
    for (const u of ok) {
      const job = await system.waitForJob(u.jobId ?? '', 120_000);
      expect(job.status).toBe('completed');
      expect(await tableCounts(t.databaseUrl, u.table)).toEqual({
        total: 5_000,
        distinct_ids: 5_000,
      });
      // What the API reports (hot state in Redis) must agree with the table.
      expect(job.rows).toEqual({ loaded: 5_000, rejected: 0 });
    }
  }, 240_000);
});
