import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import amqp from 'amqplib';
import { deleteTopology, topologyFor } from '@ingest/rabbitmq';

/**
 * Configuration for one isolated test system on the real servers: its own
 * database, queue prefix, bucket (or, with TEST_STORAGE_BACKEND=fs, object directory)
 * and Redis key prefix, all removed afterwards.
 */
export interface TestEnvironment {
  env: Record<string, string>;
  databaseUrl: string;
  /** Opens a client on the test database (caller closes it). */
  db(): Promise<pg.Client>;
  cleanup(): Promise<void>;
}

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const S3_ENDPOINT = process.env.S3_ENDPOINT ?? 'http://127.0.0.1:4569';
/** `fs`: the test system stores its objects in a directory of its own instead of S3. */
const STORAGE_BACKEND = process.env.TEST_STORAGE_BACKEND === 'fs' ? 'fs' : 's3';

const withAdmin = async <T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
};

/** Servers other than the machine's shared ones, for tests that restart them. */
export interface TestServers {
  /** A superuser URL of the PostgreSQL server the test's database is created on. */
  adminDatabaseUrl?: string;
}

export async function createTestEnvironment(
  overrides: Record<string, string> = {},
  servers: TestServers = {},
): Promise<TestEnvironment> {
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const database = `ingest_${id}`;
  const adminUrl = servers.adminDatabaseUrl ?? ADMIN_URL;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${database}`));
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  const prefix = `${id}.`;
  const env: Record<string, string> = {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    RABBITMQ_URL,
    QUEUE_PREFIX: prefix,
    STORAGE_BACKEND,
    STORAGE_DIR: STORAGE_BACKEND === 'fs' ? join(tmpdir(), `ingest-objects-${id}`) : '',
    S3_ENDPOINT,
    S3_BUCKET: `bucket-${id}`,
    GATEWAY_PORT: '0',
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    // Five attempts: now, then 200, 400, 800, 1600 ms after each failure.
    NOTIFIER_SCHEDULE_MS: '0,200,400,800,1600',
    NOTIFIER_TIMEOUT_MS: '2000',
    ...overrides,
  };
  return {
    env,
    databaseUrl,
    async db() {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      return client;
    },
    async cleanup() {
      // Where the test put its queues and keys: a private server the overrides name, if any.
      // A server that cannot be reached (a test's unreachable override, a stopped private one)
      // holds nothing of the test's to clean up.
      const connection = await amqp.connect(env.RABBITMQ_URL ?? RABBITMQ_URL).catch(() => null);
      if (connection) {
        try {
          const channel = await connection.createChannel();
          await deleteTopology(channel, topologyFor(prefix));
        } finally {
          await connection.close();
        }
      }
      const redis = new Redis(env.REDIS_URL ?? REDIS_URL, {
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
      });
      redis.on('error', () => undefined);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `*${id}*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } catch {
        // As above: nothing to clean on a server that is gone.
      } finally {
        redis.disconnect();
      }
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
      if (env.STORAGE_BACKEND === 'fs' && env.STORAGE_DIR) {
        await rm(env.STORAGE_DIR, { recursive: true, force: true });
      }
    },
  };
}
