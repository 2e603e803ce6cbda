import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');
export const CLI_BUNDLE = join(root, 'packages', 'cli', 'dist', 'csv-ingest.js');

/** Bundles the CLI once (what `npm i -g ./packages/cli` installs), for suites to run it as users do. */
export async function buildCli(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(root, 'packages', 'cli', 'build.mjs')]);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Called with stderr as it grows (to act once the job id is printed, or to kill the CLI). */
  onStderr?: (text: string, child: ChildProcess) => void;
}

/**
 * A place of its own for each suite: the working directory (no `.dev-api-key` above it)
 * and XDG_CONFIG_HOME (the tus upload store).
 */
export function cliHome(): string {
  return mkdtempSync(join(tmpdir(), 'csv-ingest-cli-'));
}

/** Runs the bundled CLI as a child process with stdout and stderr as pipes (not a terminal). */
export function runCli(home: string, args: string[], options: CliOptions = {}): Promise<CliRun> {
  return runCommand(home, process.execPath, [CLI_BUNDLE, ...args], options.env, options.onStderr);
}

export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** A command in the suite's home, with only PATH, HOME and XDG_CONFIG_HOME of the test's environment. */
export function runCommand(
  home: string,
  file: string,
  args: string[],
  env: Record<string, string> = {},
  onStderr?: (text: string, child: ChildProcess) => void,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: home,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        XDG_CONFIG_HOME: join(home, 'config'),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
