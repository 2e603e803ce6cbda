import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import pg from 'pg';

/**
 * A Patroni + etcd + HAProxy cluster of its own for one test, started with the project's
 * native scripts (infra/ha/up.sh --fresh, stopped and purged with infra/ha/down.sh --purge)
 * on a free port range, with its data in .run/ha-test-<name>/.
 */
export type Replication = 'async' | 'sync' | 'strict';

export interface HaClusterOptions {
  /** Distinguishes the data directory and the Patroni scope. */
  name: string;
  replication?: Replication;
  nodes?: number;
  /** Any further HA_* settings (see infra/ha/lib.sh). */
  settings?: Record<string, string>;
}

export interface HaMember {
  name: string;
  /** leader, replica, sync_standby, ... */
  role: string;
  state: string;
  port: number;
  timeline?: number;
  lag?: number | string;
}

export interface HaDatabase {
  name: string;
  /** Through the HAProxy write port (the leader). */
  writeUrl: string;
  /** Through the HAProxy read port (the replicas). */
  readUrl: string;
}

export interface HaCluster {
  readonly dir: string;
  readonly ports: { etcd: number; pg: number[]; rest: number[]; write: number; read: number };
  /** The HA_* settings the cluster runs with (pass to infra/ha scripts). */
  readonly settings: Record<string, string>;
  writeUrl(database?: string): string;
  readUrl(database?: string): string;
  /** A new, empty database created through the write port. */
  createDatabase(prefix?: string): Promise<HaDatabase>;
  members(): Promise<HaMember[]>;
  /** The current leader's name, waiting up to `timeoutMs` for one (other than `not`). */
  waitForLeader(options?: { not?: string; timeoutMs?: number }): Promise<string>;
  /** Waits until every other member is a streaming replica again (after a switchover). */
  waitForReplicas(count: number, timeoutMs?: number): Promise<void>;
  /** kill -9 of the leader's Patroni and postmaster; returns who it was and when. */
  killLeader(): Promise<{ name: string; at: number }>;
  /** `patronictl switchover --force` to `candidate` (default: any). */
  switchover(candidate?: string): Promise<{ from: string; at: number }>;
  /** patronictl with this cluster's configuration. */
  ctl(...args: string[]): Promise<string>;
  /** Stops every process of the cluster and deletes its data. */
  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, '../../..');

const run = (cmd: string, args: string[], env: Record<string, string>, timeoutMs = 300_000) =>
  new Promise<string>((ok, fail) => {
    execFile(
      cmd,
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) {
          fail(
            new Error(`${cmd} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`),
          );
        } else {
          ok(stdout + stderr);
        }
      },
    );
  });

const portFree = (port: number) =>
  new Promise<boolean>((ok) => {
    const server = createServer();
    server.once('error', () => ok(false));
    server.listen(port, '127.0.0.1', () => server.close(() => ok(true)));
  });

/** A block of `size` consecutive free ports in 21000-29999. */
async function freePortBlock(size: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 21000 + 20 * Math.floor(Math.random() * 440);
    let free = true;
    for (let p = base; p < base + size && free; p++) free = await portFree(p);
    if (free) return base;
  }
  throw new Error('no block of free ports found in 21000-29999');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops and deletes the clusters (and logs) of earlier test processes that have exited. */
const removeStaleClusters = () =>
  run('bash', [resolve(ROOT, 'infra/ha/stop-stale-test-clusters.sh')], {}, 600_000);

/** Starts a fresh cluster (about 10-20 s on 2 cores). */
export async function startHaCluster(options: HaClusterOptions): Promise<HaCluster> {
  const nodes = options.nodes ?? 3;
  const base = await freePortBlock(5 + 2 * nodes);
  const ports = {
    etcd: base,
    pg: Array.from({ length: nodes }, (_, i) => base + 2 + i),
    rest: Array.from({ length: nodes }, (_, i) => base + 2 + nodes + i),
    write: base + 2 + 2 * nodes,
    read: base + 3 + 2 * nodes,
  };
  // One directory per test process, so that concurrent test runs in one checkout never share
  // (or purge) each other's cluster; leftovers of dead test processes are removed first.
  await removeStaleClusters();
  const dir = resolve(ROOT, '.run', `ha-test-${options.name}-${process.pid}`);
  const settings: Record<string, string> = {
    HA_DIR: dir,
    HA_SCOPE: `test-${options.name}`,
    HA_REPLICATION: options.replication ?? 'sync',
    HA_NODES: String(nodes),
    HA_ETCD_PORT: String(ports.etcd),
    HA_ETCD_PEER_PORT: String(base + 1),
    HA_PG_PORT: String(ports.pg[0]),
    HA_REST_PORT: String(ports.rest[0]),
    HA_WRITE_PORT: String(ports.write),
    HA_READ_PORT: String(ports.read),
    HA_STATS_PORT: String(base + 4 + 2 * nodes),
    HA_DATABASE: 'postgres',
    ...options.settings,
  };
  const script = (name: string) => resolve(ROOT, 'infra/ha', name);
  const url = (port: number, database = 'postgres') =>
    `postgres://postgres@127.0.0.1:${port}/${database}`;

  const members = async (): Promise<HaMember[]> => {
    for (const rest of ports.rest) {
      try {
        const res = await fetch(`http://127.0.0.1:${rest}/cluster`, {
          signal: AbortSignal.timeout(1000),
        });
        if (!res.ok) continue;
        const body = (await res.json()) as { members?: HaMember[] };
        return body.members ?? [];
      } catch {
        /* that node is down: ask the next */
      }
    }
    return [];
  };

  const ctl = (...args: string[]) => run('bash', [script('ctl.sh'), ...args], settings, 60_000);

  const cluster: HaCluster = {
    dir,
    ports,
    settings,
    writeUrl: (database) => url(ports.write, database),
    readUrl: (database) => url(ports.read, database),
    async createDatabase(prefix = 'ingest') {
      const name = `${prefix}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
      const client = new pg.Client({ connectionString: url(ports.write) });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return { name, writeUrl: url(ports.write, name), readUrl: url(ports.read, name) };
    },
    members,
    async waitForLeader({ not, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const leader = (await members()).find((m) => m.role === 'leader' && m.state === 'running');
        if (leader && leader.name !== not) return leader.name;
        if (Date.now() > deadline) {
          throw new Error(`no leader${not ? ` other than ${not}` : ''} within ${timeoutMs} ms`);
        }
        await sleep(100);
      }
    },
    async waitForReplicas(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const list = await members();
        const streaming = list.filter(
          (m) => m.role !== 'leader' && (m.state === 'running' || m.state === 'streaming'),
        );
        if (streaming.length >= count) return;
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} replicas, have ${JSON.stringify(list)}`);
        }
        await sleep(250);
      }
    },
    async killLeader() {
      const name = await cluster.waitForLeader();
      const pidFile = readFileSync(resolve(dir, 'pids', `patroni-${name}.pid`), 'utf8');
      const patroni = Number(/^pid=(\d+)/m.exec(pidFile)?.[1]);
      const postmaster = Number(
        readFileSync(resolve(dir, name, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      if (!patroni || !postmaster) throw new Error(`no pids for leader ${name}`);
      const at = Date.now();
      process.kill(patroni, 'SIGKILL');
      process.kill(postmaster, 'SIGKILL');
      return { name, at };
    },
    async switchover(candidate) {
      const from = await cluster.waitForLeader();
      const at = Date.now();
      await ctl(
        'switchover',
        '--force',
        '--leader',
        from,
        ...(candidate ? ['--candidate', candidate] : []),
      );
      return { from, at };
    },
    ctl,
    async stop() {
      // Data goes, logs stay (.run/ha-test-<name>-<pid>/logs) until the next run sweeps them.
      await run('bash', [script('down.sh'), '--purge'], settings, 180_000);
    },
  };

  try {
    await run('bash', [script('up.sh'), '--fresh'], settings);
  } catch (e) {
    await cluster.stop().catch(() => undefined);
    throw e;
  }
  return cluster;
}
