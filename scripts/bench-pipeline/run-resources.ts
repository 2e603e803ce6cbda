/**
 * What a run creates for itself and removes at its end: a database, a queue
 * and Redis prefix, and a bucket with (--s3 own) a private s3rver, or a directory (fs).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { deleteBucket, deleteQueues, deleteRedisKeys } from '../bench-support/cleanup';
import { findProcesses } from '../bench-support/proc';
import { answers, startOwnS3, stopServices, type ServiceProcess } from '../bench-support/services';
import { log } from './bench-output';
import { ADMIN_URL, RABBITMQ_URL, REDIS_URL, ROOT, S3_ENDPOINT } from './endpoints';
import type { RunContext } from './run-model';

export interface RunDatabase {
  database: string;
  databaseUrl: string;
  admin: pg.Client;
  db: pg.Client;
  serverVersion: string;
  /** The server settings that weigh on a bulk load, as `name value` pairs. */
  serverSettings: string;
}

/** Settings PostgreSQL's "Populating a Database" names for bulk loads, and the commit's cost. */
const BULK_LOAD_SETTINGS = [
  'shared_buffers',
  'wal_buffers',
  'max_wal_size',
  'checkpoint_timeout',
  'synchronous_commit',
  'wal_compression',
  'full_page_writes',
  'wal_level',
  'autovacuum',
];

/** Creates the run's database (named after the run) and opens a client on it and on the server. */
export async function createRunDatabase(runId: string): Promise<RunDatabase> {
  const database = runId;
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${database}`;
  const databaseUrl = dbUrl.toString();
  const admin = new pg.Client({ connectionString: ADMIN_URL, application_name: 'bench-admin' });
  await admin.connect();
  const serverVersion =
    (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]
      ?.v ?? '?';
  const settings = await admin.query<{ name: string; value: string }>(
    'SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name',
    [BULK_LOAD_SETTINGS],
  );
  const serverSettings = settings.rows.map((r) => `${r.name} ${r.value}`).join(', ');
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  log(`created database ${database}`);
  const db = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-verify' });
  await db.connect();
  return { database, databaseUrl, admin, db, serverVersion, serverSettings };
}

/**
 * Object storage for the run: with s3 a private s3rver (--s3 own, the default: the
 * shared one is started and stopped by concurrent test runs) or the shared one; with
 * fs a directory of the run's own.
 */
export class RunStorage {
  endpoint = S3_ENDPOINT;
  /** The private s3rver, when the run has one. */
  own: ServiceProcess | undefined;
  readonly dataDir: string;

  constructor(private readonly run: RunContext) {
    this.dataDir = join(
      ROOT,
      'bench-data',
      `${run.storage === 'fs' ? 'objects' : 's3'}-${run.runId}`,
    );
  }

  /** For the report's settings line. */
  get label(): string {
    if (this.run.storage === 'fs')
      return `filesystem ${relative(ROOT, this.dataDir)}/ (STORAGE_BACKEND=fs)`;
    return this.run.args.s3 === 'own' ? 'private s3rver' : `shared s3rver ${S3_ENDPOINT}`;
  }

  /** The services' storage settings. */
  get env(): NodeJS.ProcessEnv {
    if (this.run.storage === 'fs') return { STORAGE_BACKEND: 'fs', STORAGE_DIR: this.dataDir };
    return { STORAGE_BACKEND: 's3', S3_ENDPOINT: this.endpoint, S3_BUCKET: this.run.bucket };
  }

  async start(): Promise<void> {
    const { run } = this;
    if (run.storage === 'fs') {
      mkdirSync(this.dataDir, { recursive: true });
      log(`objects in ${relative(ROOT, this.dataDir)}/ (STORAGE_BACKEND=fs)`);
      return;
    }
    if (run.args.s3 === 'own') {
      const started = await startOwnS3(ROOT, run.logDir, this.dataDir, run.bucket);
      const own = started.process;
      this.endpoint = started.endpoint;
      this.own = own;
      run.sampler.track(own.pid, 's3rver (storage peer)', 'peer');
      run.crash.watchExit(
        own,
        (info) =>
          `s3rver (pid ${own.pid}) exited unexpectedly: code ${info.code}, signal ${info.signal}`,
      );
      log(
        `private s3rver on ${this.endpoint} (pid ${own.pid}, data ${relative(ROOT, this.dataDir)}/)`,
      );
      return;
    }
    if (!(await answers(S3_ENDPOINT))) {
      throw new Error(
        `nothing answers at S3_ENDPOINT ${S3_ENDPOINT}: run bash infra/local/up.sh, or use --s3 own`,
      );
    }
    for (const pid of findProcesses('s3-server.mjs')) {
      run.sampler.track(pid, 's3rver (storage peer, shared)', 'peer');
    }
  }

  async stop(): Promise<void> {
    if (this.own && !this.own.exitInfo) await stopServices([this.own], 10_000);
  }

  /** Removes the bucket: the private s3rver's data directory, or the bucket on the shared one. */
  async removeBucket(): Promise<void> {
    if (this.own || this.run.storage === 'fs')
      rmSync(this.dataDir, { recursive: true, force: true });
    else {
      await deleteBucket(S3_ENDPOINT, this.run.bucket).catch((e: unknown) => {
        log(`could not delete bucket ${this.run.bucket}: ${(e as Error).message}`);
      });
    }
  }
}

/**
 * Deletes the run's queues and Redis keys, then drops its database and bucket
 * (both stay with --keep); closes both database clients.
 */
export async function releaseRunResources(run: RunContext, storage: RunStorage): Promise<void> {
  await run.db.end().catch(() => undefined);
  try {
    await deleteQueues(RABBITMQ_URL, run.queuePrefix);
    deleteRedisKeys(REDIS_URL, run.queuePrefix);
    if (run.args.keep) {
      log(
        `--keep: database ${run.database} and bucket ${run.bucket} kept` +
          (storage.own || run.storage === 'fs'
            ? ` (objects in ${relative(ROOT, storage.dataDir)}/)`
            : ''),
      );
    } else {
      await storage.removeBucket();
      await run.admin.query(
        `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(run.database)} WITH (FORCE)`,
      );
      log(`dropped database ${run.database}, deleted bucket ${run.bucket}, queues and Redis keys`);
    }
  } catch (e) {
    run.problems.push(`cleanup failed: ${(e as Error).message}`);
  }
  await run.admin.end().catch(() => undefined);
}
