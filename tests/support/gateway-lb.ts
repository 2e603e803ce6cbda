import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@ingest/testing';

const ROOT = resolve(__dirname, '../..');

export interface GatewayLb {
  url: string;
  port: number;
  /** The configuration infra/ha/gateway-lb.sh rendered. */
  config: string;
  /** HAProxy's log (errors and abnormal ends: a 502, a retry). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * HAProxy as `npm start` runs it (infra/ha/gateway-lb.sh) on a free port in front of the
 * given servers, its files in a directory of its own; resolves once it serves GET /healthz.
 */
export async function startGatewayLb(
  servers: { name: string; port: number }[],
): Promise<GatewayLb> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-lb-'));
  const port = await freePort();
  const logPath = join(dir, 'haproxy.log');
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      'bash',
      [
        'infra/ha/gateway-lb.sh',
        String(port),
        ...servers.map((s) => `${s.name}=127.0.0.1:${s.port}`),
      ],
      { cwd: ROOT, env: { ...process.env, HA_DIR: dir }, stdio: ['ignore', fd, fd] },
    );
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`HAProxy did not serve: ${readFileSync(logPath, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    config: readFileSync(join(dir, `gateway-lb-${port}.cfg`), 'utf8'),
    log: () => readFileSync(logPath, 'utf8'),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
