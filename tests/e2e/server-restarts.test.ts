import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobView } from '@ingest/contracts';
import { peopleFixture, startPrivateRedis, useTestSystem, type TestSystem } from '@ingest/testing';
import {
  committedChunks,
  expectExactlyOnce,
  expectLedgerComplete,
  until,
} from '../support/exactly-once';
import { startPrivatePostgres } from '../support/private-postgres';
import { startPrivateS3 } from '../support/private-s3';
import { startPrivateRabbitMq } from '../support/private-rabbitmq';

/**
 * Each server the system depends on restarted mid-load: PostgreSQL, Redis, the S3 server,
 * RabbitMQ.
 * Every server restarted is the test's own, on a free port (the machine's shared servers
 * are never touched); the services run in the test process pointed at it. Each job ends
 * completed with every row of the file once and one ledger row per chunk.
 */
const ROWS = 60_000;
const FILE = peopleFixture(ROWS, 23).text; // ~2.7 MB
const CHUNK_BYTES = 100_000; // ~27 chunks
const settings = {
  // Each chunk's COPY pauses 200 ms with its transaction open: the load lasts a few
  // seconds, and a restart finds chunks in flight.
  LOADER_FAILPOINTS: 'mid-copy=delay:200',
  WORKER_RETRY_DELAY_MS: '200',
};

/** Uploads the file, runs `restart` once a few chunks are committed, checks the job's end. */
async function loadThroughRestart(
  ctx: TestSystem,
  table: string,
  restart: () => Promise<void>,
): Promise<void> {
  const res = await ctx.system.fetch(`/v1/jobs/raw?table=${table}&chunk_size=${CHUNK_BYTES}`, {
    method: 'PUT',
    body: FILE,
  });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as JobView;
  await until('a few chunks committed', async () => (await committedChunks(ctx.db, id)) >= 3);
  const before = await committedChunks(ctx.db, id);
  await restart();

  const done = await ctx.system.waitForJob(id, 120_000);
  expect(done).toMatchObject({ status: 'completed', rows: { loaded: ROWS, rejected: 0 } });
  expect(before).toBeLessThan(done.chunks.total ?? 0); // the restart came mid-load
  await expectExactlyOnce(ctx.db, ctx.system.table(table), ROWS);
  await expectLedgerComplete(ctx.db, id, done.chunks.total ?? -1);
}

describe('PostgreSQL restarted mid-load', () => {
  let server: Awaited<ReturnType<typeof startPrivatePostgres>> | undefined;
  const ctx = useTestSystem(
    async () => {
      server = await startPrivatePostgres();
      return settings;
    },
    {},
    () => ({ adminDatabaseUrl: server?.url }),
  );
  afterAll(async () => {
    await server?.stop();
  });

  it('completes the job with every row once', async () => {
    await loadThroughRestart(ctx, 'pg_restarted', async () => {
      // The test's own client goes down with the server: a new one afterwards.
      await ctx.db.end();
      await server?.restart(1000);
      ctx.db = await ctx.t.db();
    });
  });
});

describe('Redis restarted mid-load', () => {
  let server: Awaited<ReturnType<typeof startPrivateRedis>> | undefined;
  const ctx = useTestSystem(async () => {
    server = await startPrivateRedis();
    return { ...settings, REDIS_URL: server.url };
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('completes the job with every row once (Redis comes back empty)', async () => {
    await loadThroughRestart(ctx, 'redis_restarted', async () => {
      await server?.restart();
    });
  });
});

describe('S3 server restarted mid-load', () => {
  let server: Awaited<ReturnType<typeof startPrivateS3>> | undefined;
  const ctx = useTestSystem(async () => {
    server = await startPrivateS3();
    // Segments of 256 KiB: an upload of the file stores about ten, one after the other.
    return { ...settings, S3_ENDPOINT: server.url, GATEWAY_SEGMENT_BYTES: String(256 * 1024) };
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('completes the job with every row once', async () => {
    await loadThroughRestart(ctx, 's3_restarted', async () => {
      await server?.restart(1000);
    });
  });

  it('answers an upload whose segment was being stored when it went down; the retry loads once', async () => {
    const body = Buffer.from(FILE);
    const headers = { 'idempotency-key': 'upload-through-s3-restart' };
    const query = 'table=s3_restart_upload&atomic=true';
    const put = request(new URL(`${ctx.system.baseUrl}/v1/jobs/raw?${query}`), {
      method: 'PUT',
      headers: {
        ...headers,
        authorization: `Bearer ${ctx.system.apiKey}`,
        'content-length': String(body.length),
      },
    });
    const answer = new Promise<number>((resolve) => {
      put.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      put.on('error', () => resolve(-1)); // the gateway may close the connection instead
    });
    // A third of the body, then the rest at once as s3rver goes: the gateway waits for a
    // segment's PUT to take more when that PUT fails.
    const third = Math.floor(body.length / 3);
    put.write(body.subarray(0, third));
    await sleep(500);
    const restarted = server?.restart(1000);
    put.end(body.subarray(third));
    await restarted;
    const status = await Promise.race([answer, sleep(30_000).then(() => 'no answer')]);
    expect(status).not.toBe('no answer');

    // Whatever the first attempt was told, the same request again loads the file once.
    const retry = await ctx.system.fetch(`/v1/jobs/raw?${query}`, {
      method: 'PUT',
      headers,
      body,
    });
    expect([200, 202]).toContain(retry.status);
    const done = await ctx.system.waitForJob(((await retry.json()) as JobView).id, 120_000);
    expect(done).toMatchObject({ status: 'completed', rows: { loaded: ROWS, rejected: 0 } });
    await expectExactlyOnce(ctx.db, ctx.system.table('s3_restart_upload'), ROWS);
  });
});

describe('RabbitMQ restarted mid-load', () => {
  let server: Awaited<ReturnType<typeof startPrivateRabbitMq>> | undefined;
  const ctx = useTestSystem(async () => {
    server = await startPrivateRabbitMq();
    return { ...settings, RABBITMQ_URL: server.url };
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('completes the job with every row once', async () => {
    await loadThroughRestart(ctx, 'mq_restarted', async () => {
      await server?.restart(1000);
    });
  });
});
