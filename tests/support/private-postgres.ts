import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@ingest/testing';
import { run, sleep, type PrivateServer } from './private-server';

/** The newest installed PostgreSQL's binaries (Debian: /usr/lib/postgresql/<version>/bin). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) throw new Error(`no PostgreSQL binaries under ${root}`);
  return join(root, versions[0], 'bin');
}

/**
 * A PostgreSQL cluster of the test's own: initdb into a temporary directory, then pg_ctl on
 * a free port (loopback only, trust auth, fsync off: it holds test data for a minute).
 * PostgreSQL refuses to run as root, so as root the tools run as the `postgres` user.
 * `url` names the `postgres` database as superuser `postgres`.
 */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const bin = postgresBin();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ingest-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = await run('id', ['-u', 'postgres']).then(async (u) => ({
      uid: Number(u.trim()),
      gid: Number((await run('id', ['-g', 'postgres'])).trim()),
    }));
    chownSync(dir, uid, gid);
  }
  const tool = (name: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args])
      : run(join(bin, name), args);
  const data = join(dir, 'data');
  await tool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c max_connections=200',
  ].join(' ');
  const start = () =>
    tool('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
  // Fast shutdown: open sessions are ended (57P01), as in a real restart.
  const stopServer = (mode: 'fast' | 'immediate') =>
    tool('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart(downMs = 1000) {
      await stopServer('fast');
      await sleep(downMs);
      await start();
    },
    async stop() {
      await stopServer('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
