/**
 * The native stack's supervisor (infra/local/supervise.sh, what `npm start` runs every service
 * under) and its clean-up of an earlier run (infra/local/stop-leftovers.sh), for real: real
 * processes killed with SIGKILL, real ports. Nothing here touches the machine's default ports.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestEnvironment, freePort, type TestEnvironment } from '@ingest/testing';

const ROOT = resolve(__dirname, '../..');
const SUPERVISE = join(ROOT, 'infra/local/supervise.sh');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A throwaway HTTP service: answers its own pid on every request. */
const HTTP_SERVICE = [
  '-e',
  `require('http').createServer((q, r) => r.end(String(process.pid)))
     .listen(Number(process.argv[1]), '127.0.0.1')`,
];

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The direct children of a process, from /proc. */
const childrenOf = (pid: number): number[] =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);

const portOpen = (port: number) =>
  new Promise<boolean>((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => ok(socket.destroy() !== undefined));
    socket.once('error', () => ok(false));
  });

const get = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2000) })
    .then(async (r) => (r.ok ? await r.text() : undefined))
    .catch(() => undefined);

describe('npm start supervision (infra/local/supervise.sh)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'supervise-'));
  const started: ChildProcess[] = [];

  /** supervise.sh NAME COMMAND... in its own process group, its output in `<dir>/<name>.log`. */
  const supervise = (name: string, command: string[], env: NodeJS.ProcessEnv = {}) => {
    const fd = openSync(join(dir, `${name}.log`), 'a');
    try {
      const child = spawn('bash', [SUPERVISE, name, ...command], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
      started.push(child);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      return { child, exited, log: () => readFileSync(join(dir, `${name}.log`), 'utf8') };
    } finally {
      closeSync(fd);
    }
  };

  afterAll(() => {
    for (const c of started) if (c.pid && alive(c.pid)) process.kill(-c.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a real service killed with SIGKILL', () => {
    let t: TestEnvironment;
    beforeAll(async () => {
      t = await createTestEnvironment();
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    it('comes back and serves; SIGTERM then stops it for good', async () => {
      const port = await freePort();
      const gateway = supervise(
        'gateway',
        [process.execPath, '--import', 'tsx', 'services/gateway/src/main.ts'],
        { ...t.env, GATEWAY_PORT: String(port), SUPERVISE_BACKOFF_MS: '200' },
      );
      const supervisor = gateway.child.pid ?? 0;
      const health = `http://127.0.0.1:${port}/healthz`;
      await until('the gateway to serve', () => get(health), 60_000);
      const [first] = childrenOf(supervisor);
      expect(first).toBeDefined();

      process.kill(first as number, 'SIGKILL');
      const second = await until(
        'the gateway to serve again',
        async () => {
          const [pid] = childrenOf(supervisor);
          return pid !== undefined && pid !== first && (await get(health)) ? pid : undefined;
        },
        60_000,
      );
      expect(alive(first as number)).toBe(false);
      expect(gateway.log()).toMatch(
        /"name":"supervise","service":"gateway","msg":"exited with status 137 \(signal KILL\) after \d+ ms; crash 1 of 5 in a row, restarting in 200 ms"/,
      );
      expect(gateway.log()).toContain(`started again (run 2), pid ${second}`);

      // A deliberate stop: passed on, the gateway drains and exits 0, nothing is restarted.
      process.kill(supervisor, 'SIGTERM');
      expect(await gateway.exited).toBe(0);
      expect(alive(second)).toBe(false);
      expect(await portOpen(port)).toBe(false);
      expect(gateway.log()).toContain('SIGTERM received: passing it on to the service');
      expect(gateway.log()).not.toContain('run 3');
    });
  });

  it('gives up after repeated fast crashes, with backoff and a clear message', async () => {
    const crasher = supervise('crasher', [process.execPath, '-e', 'process.exit(3)'], {
      SUPERVISE_BACKOFF_MS: '50',
      SUPERVISE_MAX_FAST_CRASHES: '3',
    });
    expect(await crasher.exited).toBe(1);
    const lines = crasher.log().trim().split('\n');
    expect(
      lines.filter((l) => /restarting in/.test(l)).map((l) => /in (\d+) ms/.exec(l)?.[1]),
    ).toEqual(['50', '100']);
    expect(lines.at(-1)).toMatch(
      /GIVING UP: crashed 3 times in a row, each within 30s of starting \(last: exit status 3 after \d+ ms\)/,
    );
  });

  it('does not restart a service that exits 0 (a deliberate stop)', async () => {
    const done = supervise('done', [process.execPath, '-e', '']);
    expect(await done.exited).toBe(0);
    expect(done.log()).toMatch(
      /"msg":"exited with status 0 \(a deliberate stop\): not restarting"\}\n$/,
    );
    // Every line of the log is JSON, the supervisor's own included.
    for (const line of done.log().trim().split('\n'))
      expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it("stops a previous run's leftovers, and nothing else, before a new start", async () => {
    const runDir = join(dir, 'run');
    const env = { ...process.env, RUN_DIR: runDir, STOP_TIMEOUT: '10' };
    const port = await freePort();
    // A "previous run": a supervised service, as start.sh starts them, whose start.sh is gone.
    const previous = spawnSync(
      'bash',
      [
        '-c',
        `source infra/local/lib.sh && ensure_run_dirs &&
         start_supervised svc-old "$LOG_DIR/old.log" "$0" "$@" && echo "$SPAWNED_PID"`,
        process.execPath,
        ...HTTP_SERVICE,
        String(port),
      ],
      { cwd: ROOT, env, encoding: 'utf8' },
    );
    expect(previous.status).toBe(0);
    const supervisor = Number(previous.stdout.trim());
    const servicePid = Number(
      await until('the old service to serve', () => get(`http://127.0.0.1:${port}/`)),
    );
    // A record of a process that is long gone, and one that is not start.sh's to stop.
    const unrelated = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    started.push(unrelated);
    const records = join(runDir, 'pids');
    spawnSync(
      'bash',
      [
        '-c',
        `source infra/local/lib.sh && write_pidfile svc-gone pid=999999999 kind=group &&
         write_pidfile s3rver pid=${unrelated.pid} kind=process match=sleep`,
      ],
      { cwd: ROOT, env },
    );

    const cleanup = spawnSync('bash', ['infra/local/stop-leftovers.sh'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect(cleanup.status).toBe(0);
    expect(cleanup.stdout).toMatch(/stopping leftovers of an earlier run: svc-gone svc-old/);
    expect(alive(supervisor)).toBe(false);
    expect(alive(servicePid)).toBe(false);
    expect(await portOpen(port)).toBe(false); // free for the new start
    expect(readdirSync(records).sort()).toEqual(['s3rver.pid']);
    expect(alive(unrelated.pid ?? 0)).toBe(true);
    const oldLog = readFileSync(join(runDir, 'logs', 'old.log'), 'utf8');
    expect(oldLog).toContain('SIGTERM received: passing it on to the service, not restarting');
    expect(oldLog).not.toContain('started again');
  });
});
