import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL primary and one streaming replica of the test's own (initdb + pg_basebackup on
 * free ports, data in a temporary directory), for tests that pause WAL replay or otherwise
 * disturb replication without a whole Patroni cluster. The servers run as the `postgres`
 * system user (they refuse root), so starting them needs root.
 */
export interface ReplicatedPostgres {
  /** A URL on the primary (database `postgres` unless named). */
  primaryUrl(database?: string): string;
  /** A URL on the replica (read-only). */
  replicaUrl(database?: string): string;
  /** The replica's name in the primary's pg_stat_replication (application_name). */
  readonly replicaName: string;
  /** Stops both servers (fast shutdown) and deletes their data. */
  stop(): Promise<void>;
}

export interface ReplicatedPostgresOptions {
  /** The replica is the synchronous standby (synchronous_commit = on: commits wait for its flush). */
  synchronous?: boolean;
}

const REPLICA_NAME = 'lag_replica';

const run = (cmd: string, args: string[], timeoutMs = 120_000) =>
  new Promise<string>((ok, fail) => {
    execFile(cmd, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${cmd} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else ok(stdout);
    });
  });

/** Runs a PostgreSQL program as the `postgres` user. */
const asPostgres = (bin: string, program: string, args: string[]) =>
  run('runuser', ['-u', 'postgres', '--', join(bin, program), ...args]);

/** The newest installed server's programs (Debian: /usr/lib/postgresql/<major>/bin). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const major = majors.find((v) => existsSync(join(root, v, 'bin', 'initdb')));
  if (!major) throw new Error('no PostgreSQL server programs under /usr/lib/postgresql');
  return join(root, major, 'bin');
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const url = (port: number, database = 'postgres') =>
  `postgres://postgres@127.0.0.1:${port}/${database}`;

async function queryOnce<T extends pg.QueryResultRow>(connectionString: string, sql: string) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

export async function startReplicatedPostgres(
  options: ReplicatedPostgresOptions = {},
): Promise<ReplicatedPostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'ingest-replicated-pg-'));
  chownSync(dir, ...ids(await run('id', ['-u', 'postgres']), await run('id', ['-g', 'postgres'])));
  const primary = join(dir, 'primary');
  const replica = join(dir, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const started: string[] = [];
  const stop = async () => {
    for (const data of started.reverse()) {
      await asPostgres(bin, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(
        () => undefined,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await asPostgres(bin, 'initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '-N']);
    appendFileSync(
      join(primary, 'postgresql.conf'),
      [
        `port = ${primaryPort}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'fsync = off', // a test's data: durability across a machine crash is not asked for
        options.synchronous ? `synchronous_standby_names = '${REPLICA_NAME}'` : '',
        '',
      ].join('\n'),
    );
    await asPostgres(bin, 'pg_ctl', ['-D', primary, '-l', `${primary}.log`, '-w', 'start']);
    started.push(primary);
    await asPostgres(bin, 'pg_basebackup', [
      '-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres',
      '-D', replica, '-R', '-X', 'stream', '-N',
    ]); // prettier-ignore
    appendFileSync(
      join(replica, 'postgresql.auto.conf'),
      [
        `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=${REPLICA_NAME}'`,
        `port = ${replicaPort}`,
        // Frequent feedback, so the primary's replay_lag follows a paused replay closely.
        "wal_receiver_status_interval = '1s'",
        '',
      ].join('\n'),
    );
    await asPostgres(bin, 'pg_ctl', ['-D', replica, '-l', `${replica}.log`, '-w', 'start']);
    started.push(replica);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await queryOnce<{ state: string }>(
        url(primaryPort),
        `SELECT state FROM pg_stat_replication WHERE application_name = '${REPLICA_NAME}'`,
      );
      if (rows[0]?.state === 'streaming') break;
      if (Date.now() > deadline) throw new Error('the replica did not start streaming in 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    primaryUrl: (database) => url(primaryPort, database),
    replicaUrl: (database) => url(replicaPort, database),
    replicaName: REPLICA_NAME,
    stop,
  };
}

const ids = (uid: string, gid: string): [number, number] => [
  Number(uid.trim()),
  Number(gid.trim()),
];
