import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@ingest/testing';
import { portOpen, run, sleep, waitFor, type PrivateServer } from './private-server';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/**
 * A RabbitMQ node of the test's own: its own node name, AMQP and distribution ports,
 * database, logs, configuration and (no) plugins, all in a temporary directory that
 * outlives a restart (durable queues and persistent messages survive it, as on a real
 * node). It registers with the machine's epmd under its own name. As root the node runs
 * as the `rabbitmq` user. Starting takes ~5 s.
 */
export async function startPrivateRabbitMq(): Promise<PrivateServer> {
  const port = await freePort();
  const distPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ingest-mq-'));
  const files = {
    plugins: join(dir, 'enabled_plugins'),
    envConf: join(dir, 'rabbitmq-env.conf'),
    conf: join(dir, 'rabbitmq.conf'),
  };
  writeFileSync(files.plugins, '');
  writeFileSync(files.envConf, ''); // not the machine's, which names the shared node
  writeFileSync(files.conf, `listeners.tcp.default = 127.0.0.1:${port}\n`);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'rabbitmq'])).trim());
    const gid = Number((await run('id', ['-g', 'rabbitmq'])).trim());
    for (const path of [dir, ...Object.values(files)]) chownSync(path, uid, gid);
  }
  const env = {
    HOME: dir, // its own Erlang cookie
    RABBITMQ_NODENAME: `ingest-test-${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: files.plugins,
    RABBITMQ_CONFIG_FILE: files.conf,
    RABBITMQ_CONF_ENV_FILE: files.envConf,
  };
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const launch = async () => {
    const out = openSync(join(dir, 'server.out'), 'a');
    let child: ChildProcess;
    try {
      // Its own process group: a stop reaches the script, the Erlang VM and its helpers.
      child = asRoot
        ? spawn('runuser', ['-u', 'rabbitmq', '--', 'env', ...assignments, SERVER], {
            cwd: dir,
            detached: true,
            stdio: ['ignore', out, out],
          })
        : spawn(SERVER, [], {
            cwd: dir,
            env: { ...process.env, ...env },
            detached: true,
            stdio: ['ignore', out, out],
          });
    } finally {
      closeSync(out);
    }
    await waitFor(
      `rabbitmq on port ${port} (log: ${dir})`,
      async () => {
        if (child.exitCode !== null) throw new Error(`rabbitmq-server exited (${child.exitCode})`);
        return portOpen(port);
      },
      60_000,
    );
    return child;
  };
  const stopNode = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
    await waitFor('rabbitmq to close its port', async () => !(await portOpen(port)), 30_000);
  };
  let child = await launch();
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    async restart(downMs = 1000) {
      await stopNode(child);
      await sleep(downMs);
      child = await launch();
    },
    async stop() {
      await stopNode(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
