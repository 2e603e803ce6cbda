import { runCli } from './cli-program';

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`csv-ingest: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
