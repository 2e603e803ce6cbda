import { execFile } from 'node:child_process';
import { connect } from 'node:net';

/**
 * A real server of the test's own on a free port, which the test may restart
 * mid-load without touching the machine's shared servers.
 */
export interface PrivateServer {
  /** What the services are given: a connection URL or an endpoint. */
  url: string;
  port: number;
  /** Stops the server, keeps it down `downMs`, starts it again on the same port with its data. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server for good and removes its data. */
  stop(): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to its end; rejects with its output when it fails. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr}`));
        else resolve(stdout + stderr);
      },
    );
  });
}

/** Does something accept TCP connections on the port? */
export const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Polls `check` every 100 ms until it returns true; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}
