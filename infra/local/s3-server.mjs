// Local S3-compatible storage for development and tests: s3rver 3.7.1 (npm devDependency).
// MinIO is in neither Debian nor npm; see /work/shared/NOTES.md for s3rver's gaps.
//
//   node --openssl-legacy-provider infra/local/s3-server.mjs
//
// --openssl-legacy-provider is required: without it ListObjectsV2 pagination answers 500
// (s3rver encrypts continuation tokens with DES, which OpenSSL 3 disables).
//
// Reads S3_ENDPOINT (address and port to listen on, default http://127.0.0.1:4569),
// S3_BUCKET (created at start, idempotent) and S3RVER_DIR (default <repo>/.run/s3).
// s3rver accepts exactly one credential pair: S3RVER / S3RVER.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const endpoint = new URL(process.env.S3_ENDPOINT || 'http://127.0.0.1:4569');
const address = endpoint.hostname.replace(/^\[|\]$/g, '');
const port = Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80));
const directory = resolve(
  process.env.S3RVER_DIR || resolve(process.env.RUN_DIR || resolve(root, '.run'), 's3'),
);
const bucket = process.env.S3_BUCKET || 'ingest';

if (!process.execArgv.includes('--openssl-legacy-provider')) {
  console.warn(
    's3-server: started without --openssl-legacy-provider; ListObjectsV2 paging will fail',
  );
}
for (const [name, value] of [
  ['S3_ACCESS_KEY_ID', process.env.S3_ACCESS_KEY_ID],
  ['S3_SECRET_ACCESS_KEY', process.env.S3_SECRET_ACCESS_KEY],
]) {
  if (value && value !== 'S3RVER') {
    console.warn(`s3-server: ${name} is not S3RVER; s3rver will reject those requests`);
  }
}

mkdirSync(directory, { recursive: true });
const server = new S3rver({
  address,
  port,
  directory,
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});

const { address: boundAddress, port: boundPort } = await server.run();
console.log(
  `s3-server: s3rver listening on http://${boundAddress}:${boundPort} (data ${directory}, bucket ${bucket}, pid ${process.pid})`,
);

let closing = false;
const shutdown = (signal) => {
  if (closing) return;
  closing = true;
  console.log(`s3-server: ${signal}, closing`);
  const force = setTimeout(() => process.exit(0), 5000);
  force.unref();
  server.close().then(
    () => process.exit(0),
    () => process.exit(0),
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
