import type { Command } from 'commander';
import { ApiClient } from './api-client';
import { UsageError } from './cli-errors';
import { resolveConnection } from './connection';

/** Where a run reads and writes: the process's, or a test's. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

/** What every command gets: the API client, the output mode and the streams. */
export interface CommandContext {
  client: ApiClient;
  json: boolean;
  io: CliIo;
  /** A line of the command's result, on stdout. */
  print(text: string): void;
  /** The command's result for scripts (`--json`), on stdout. */
  printJson(value: unknown): void;
}

export function contextOf(command: Command, io: CliIo): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const connection = resolveConnection(options, io.env, io.cwd);
  if (connection.key === null) {
    throw new UsageError(
      'no API key: pass --key <key>, set CSV_INGEST_KEY, or run `npm start` in the ' +
        'repository (it writes .dev-api-key)',
    );
  }
  return {
    client: new ApiClient(connection),
    json: options.json === true,
    io,
    print: (text) => io.stdout.write(`${text}\n`),
    printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}
