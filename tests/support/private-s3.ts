import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@ingest/testing';
import { sleep, waitFor, type PrivateServer } from './private-server';

const ROOT = resolve(__dirname, '../..');

const stopChild = (child: ChildProcess) =>
  new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });

/**
 * An s3rver of the test's own (infra/local/s3-server.mjs) on a free port, its objects in a
 * temporary directory that outlives a restart, as a real object store's do.
 */
export async function startPrivateS3(): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ingest-s3-'));
  const url = `http://127.0.0.1:${port}`;
  const launch = async () => {
    const child = spawn(
      process.execPath,
      ['--openssl-legacy-provider', join(ROOT, 'infra/local/s3-server.mjs')],
      { env: { ...process.env, S3_ENDPOINT: url, S3RVER_DIR: dir }, stdio: 'ignore' },
    );
    await waitFor(
      `s3rver on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`s3rver exited (${child.exitCode})`);
        return (await fetch(`${url}/`)).status > 0;
      },
      15_000,
    );
    return child;
  };
  let child = await launch();
  return {
    url,
    port,
    async restart(downMs = 1000) {
      await stopChild(child);
      await sleep(downMs);
      child = await launch();
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
