/**
 * The services as separate child processes, each started as
 * `node --import tsx services/<role>/src/main.ts` so that the child's PID is
 * the service's own (the tsx CLI would put a wrapper process in between).
 * stdout and stderr go straight to a log file per process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import amqp from 'amqplib';
import { QUEUES } from '@ingest/contracts';

export type Role = 'gateway' | 'splitter' | 'loader' | 'storage';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  name: string;
  role: Role;
  pid: number;
  child: ChildProcess;
  logPath: string;
  /** Set once the process has exited. */
  exitInfo: ExitInfo | undefined;
  exited: Promise<ExitInfo>;
}

export function spawnService(
  root: string,
  role: Exclude<Role, 'storage'>,
  name: string,
  env: NodeJS.ProcessEnv,
  logDir: string,
): ServiceProcess {
  const logPath = join(logDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', `services/${role}/src/main.ts`], {
      cwd: root,
      env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not spawn ${name}`);
  const service: ServiceProcess = {
    name,
    role,
    pid: child.pid,
    child,
    logPath,
    exitInfo: undefined,
    exited: new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        service.exitInfo = { code, signal };
        resolve(service.exitInfo);
      });
    }),
  };
  return service;
}

/** A port nobody listens on right now (bound and released at once). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the gateway's /readyz answers 200 and the splitter and every
 * loader are consuming (RabbitMQ reports their consumers on the queues).
 */
export async function waitUntilReady(options: {
  gatewayUrl: string;
  rabbitmqUrl: string;
  queuePrefix: string;
  loaders: number;
  timeoutMs: number;
  /** Throws when a service died meanwhile. */
  check: () => void;
}): Promise<{ seconds: number }> {
  const t0 = performance.now();
  const deadline = Date.now() + options.timeoutMs;
  let last = 'nothing answered yet';
  const connection = await amqp.connect(options.rabbitmqUrl);
  try {
    while (Date.now() < deadline) {
      options.check();
      let gatewayReady = false;
      try {
        const res = await fetch(`${options.gatewayUrl}/readyz`);
        gatewayReady = res.status === 200;
        last = `readyz ${res.status} ${await res.text()}`;
      } catch (e) {
        last = `readyz: ${(e as Error).message}`;
      }
      let jobsConsumers = 0;
      let chunkConsumers = 0;
      try {
        // checkQueue on a queue nobody declared yet closes the channel: one channel per try.
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        try {
          jobsConsumers = (await channel.checkQueue(`${options.queuePrefix}${QUEUES.jobs}`))
            .consumerCount;
          chunkConsumers = (await channel.checkQueue(`${options.queuePrefix}${QUEUES.chunks}`))
            .consumerCount;
        } finally {
          await channel.close().catch(() => undefined);
        }
      } catch {
        /* queues not declared yet */
      }
      last += `; consumers jobs=${jobsConsumers} chunks=${chunkConsumers}`;
      if (gatewayReady && jobsConsumers >= 1 && chunkConsumers >= options.loaders) {
        return { seconds: (performance.now() - t0) / 1000 };
      }
      await sleep(250);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
  throw new Error(`services not ready after ${options.timeoutMs / 1000} s (${last})`);
}

/** SIGTERM to every live service, then waits for them to drain; SIGKILL after `graceMs`. */
export async function stopServices(
  services: ServiceProcess[],
  graceMs = 60_000,
): Promise<Map<string, ExitInfo & { killed: boolean; seconds: number }>> {
  const t0 = performance.now();
  const results = new Map<string, ExitInfo & { killed: boolean; seconds: number }>();
  await Promise.all(
    services.map(async (s) => {
      if (s.exitInfo) {
        results.set(s.name, { ...s.exitInfo, killed: false, seconds: 0 });
        return;
      }
      s.child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        s.child.kill('SIGKILL');
      }, graceMs);
      const info = await s.exited;
      clearTimeout(timer);
      results.set(s.name, { ...info, killed, seconds: (performance.now() - t0) / 1000 });
    }),
  );
  return results;
}

/**
 * A private s3rver (infra/local/s3-server.mjs) on a free port with its own data
 * directory: the run no longer depends on the shared one, which concurrent
 * test runs start and stop, and its CPU and memory belong to this run alone.
 */
export async function startOwnS3(
  root: string,
  logDir: string,
  dataDir: string,
  bucket: string,
): Promise<{ endpoint: string; process: ServiceProcess }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logPath = join(logDir, 's3rver.log');
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      process.execPath,
      ['--openssl-legacy-provider', join(root, 'infra/local/s3-server.mjs')],
      {
        cwd: root,
        env: { ...process.env, S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3RVER_DIR: dataDir },
        stdio: ['ignore', fd, fd],
      },
    );
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error('could not spawn s3rver');
  const proc: ServiceProcess = {
    name: 's3rver',
    role: 'storage',
    pid: child.pid,
    child,
    logPath,
    exitInfo: undefined,
    exited: new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        proc.exitInfo = { code, signal };
        resolve(proc.exitInfo);
      });
    }),
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitInfo) throw new Error(`s3rver exited at start; log: ${logPath}`);
    try {
      await fetch(`${endpoint}/`);
      return { endpoint, process: proc };
    } catch {
      await sleep(200);
    }
  }
  child.kill('SIGTERM');
  throw new Error(`s3rver did not answer on ${endpoint} within 30 s; log: ${logPath}`);
}

/** True when something answers HTTP at `endpoint`. */
export async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(`${endpoint.replace(/\/$/, '')}/`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/** Messages waiting in each of the run's queues (and the dead-letter queue). */
export async function queueDepths(
  rabbitmqUrl: string,
  prefix: string,
): Promise<Record<string, number>> {
  const connection = await amqp.connect(rabbitmqUrl);
  const out: Record<string, number> = {};
  try {
    for (const queue of [...Object.values(QUEUES), 'ingest.dead']) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        out[queue] = (await channel.checkQueue(`${prefix}${queue}`)).messageCount;
      } catch {
        out[queue] = -1; // not declared
      } finally {
        await channel.close().catch(() => undefined);
      }
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
  return out;
}
