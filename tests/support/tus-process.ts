import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** One line the tus client printed (see tests/support/tus-client.ts). */
export interface TusClientEvent {
  url?: string;
  progress?: number;
  done?: boolean;
  error?: string;
  status?: number | null;
  body?: string | null;
}

export interface TusClientRun {
  events: TusClientEvent[];
  /** The upload's URL, once it was created. */
  url: string | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs tests/support/tus-client.ts in a process of its own until it exits (or kills itself). */
export function runTusClient(
  endpoint: string,
  apiKey: string,
  file: string,
  options: object = {},
): Promise<TusClientRun> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'tests/support/tus-client.ts',
      endpoint,
      apiKey,
      file,
      JSON.stringify(options),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((ok, fail) => {
    child.once('error', fail);
    child.once('close', (exitCode, signal) => {
      const events = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as TusClientEvent);
      ok({ events, url: events.find((e) => e.url)?.url, exitCode, signal });
    });
  });
}
