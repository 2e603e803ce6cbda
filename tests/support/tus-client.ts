/**
 * A tus client as a user would run it: its own process, the public tus-js-client.
 *
 *   node --import tsx tests/support/tus-client.ts <endpoint> <api-key> <file> [options as JSON]
 *
 * Options: `metadata` (Upload-Metadata), `uploadUrl` (resume that upload: HEAD, then PATCH
 * from its offset), `killAt` (a share of the file: at that progress the process kills itself
 * with SIGKILL, mid-request), `chunkSize`. Prints one JSON line per event: `{"url":…}` once the
 * upload exists, `{"progress":…}`, then `{"done":true}` or `{"error":…,"status":…,"body":…}`.
 */
import { readFileSync } from 'node:fs';
import * as tus from 'tus-js-client';

interface ClientOptions {
  metadata?: Record<string, string>;
  uploadUrl?: string;
  killAt?: number;
  chunkSize?: number;
}

const [endpoint, apiKey, file, json] = process.argv.slice(2);
if (!endpoint || !apiKey || !file) {
  process.stderr.write('usage: tus-client.ts <endpoint> <api-key> <file> [options-json]\n');
  process.exit(2);
}
const options = JSON.parse(json ?? '{}') as ClientOptions;
const bytes = readFileSync(file);
const say = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);

const upload = new tus.Upload(bytes, {
  endpoint,
  uploadUrl: options.uploadUrl ?? null,
  headers: { Authorization: `Bearer ${apiKey}` },
  metadata: options.metadata ?? {},
  chunkSize: options.chunkSize ?? Infinity,
  retryDelays: [0, 500, 1000],
  onUploadUrlAvailable: () => say({ url: upload.url }),
  onProgress: (sent, total) => {
    say({ progress: sent / total });
    if (options.killAt !== undefined && sent >= options.killAt * total) {
      process.kill(process.pid, 'SIGKILL');
    }
  },
  onSuccess: () => say({ done: true }),
  onError: (error) => {
    const detailed = error as tus.DetailedError;
    say({
      error: error.message,
      status: detailed.originalResponse?.getStatus() ?? null,
      body: detailed.originalResponse?.getBody() ?? null,
    });
    process.exitCode = 1;
  },
});
upload.start();
