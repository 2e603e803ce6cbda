/**
 * What a peer (--peers) is, and how one runs a command: output into
 * `<logDir>/<name>.log`, the end of it kept for the report, its CPU sampled.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { PeerResult, RunContext } from './run-model';

export interface Peer {
  name: string;
  /** Why it cannot run here (not installed), or null. */
  unavailable(): string | null;
  /** Loads `file` into `table` (created, empty); times itself. */
  load(run: RunContext, file: string, table: string): Promise<PeerResult>;
}

/** The end of a peer's output, kept while all of it goes to `<logDir>/<name>.log`. */
export class PeerLog {
  private readonly out: WriteStream;
  private kept = '';

  constructor(
    run: RunContext,
    readonly name: string,
  ) {
    this.out = createWriteStream(join(run.logDir, `${name}.log`));
  }

  readonly write = (d: Buffer | string): void => {
    this.out.write(d);
    this.kept = (this.kept + d.toString()).slice(-2000);
  };

  async close(): Promise<string> {
    await new Promise<void>((res) => this.out.end(res));
    return this.kept.trim();
  }
}

/** Runs `command` with its output in the peer's log; resolves with its exit code. */
export async function runLogged(
  run: RunContext,
  output: PeerLog,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number | null> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined)
    run.sampler.track(child.pid, `${output.name} (${command})`, 'helper');
  child.stdout.on('data', output.write);
  child.stderr.on('data', output.write);
  return new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('close', (c) => res(c));
  });
}
