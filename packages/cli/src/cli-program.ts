import { Command, CommanderError } from 'commander';
import { describeError, EXIT, UsageError } from './cli-errors';
import type { CliIo } from './command-context';
import { registerDatasets } from './commands/dataset-commands';
import { registerJobCommands } from './commands/job-commands';
import { registerRejects } from './commands/rejects-command';
import { registerUpload } from './commands/upload-command';
import { DEFAULT_URL } from './connection';

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('csv-ingest')
    .description('Upload CSV files to csv-ingest and follow their jobs.')
    .option('--url <url>', `the API (CSV_INGEST_URL; default ${DEFAULT_URL})`)
    .option('--key <key>', 'API key (CSV_INGEST_KEY; default: the nearest .dev-api-key)')
    .option('--json', 'print results as JSON, for scripts')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run csv-ingest help for the commands and their options)');
  registerUpload(program, io, setExit);
  registerJobCommands(program, io);
  registerRejects(program, io);
  registerDatasets(program, io);
  return program;
}

/** Runs one command line; resolves with the exit code (0 done, 1 failed, 2 bad usage). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    // Help and version are "errors" to commander; anything else it raises is a usage mistake.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const url = program.opts<{ url?: string }>().url ?? io.env.CSV_INGEST_URL ?? DEFAULT_URL;
    io.stderr.write(`csv-ingest: ${describeError(error, url)}\n`);
    return error instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}
