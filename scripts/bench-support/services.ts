/**
 * The benchmark's processes beside the services (spawned by @ingest/testing):
 * a private s3rver, readiness and queue-depth checks.
 */
import { join } from 'node:path';
import amqp from 'amqplib';
import { QUEUES } from '@ingest/contracts';
import { freePort, spawnLogged, type ServiceProcess } from '@ingest/testing';

export {
  freePort,
  spawnService,
  stopServices,
  type ExitInfo,
  type Role,
  type ServiceProcess,
} from '@ingest/testing';

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
  const proc = spawnLogged(
    {
      name: 's3rver',
      role: 'storage',
      command: process.execPath,
      args: ['--openssl-legacy-provider', join(root, 'infra/local/s3-server.mjs')],
      cwd: root,
    },
    { ...process.env, S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3RVER_DIR: dataDir },
    logDir,
  );
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitInfo) throw new Error(`s3rver exited at start; log: ${proc.logPath}`);
    try {
      await fetch(`${endpoint}/`);
      return { endpoint, process: proc };
    } catch {
      await sleep(200);
    }
  }
  proc.child.kill('SIGTERM');
  throw new Error(`s3rver did not answer on ${endpoint} within 30 s; log: ${proc.logPath}`);
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
