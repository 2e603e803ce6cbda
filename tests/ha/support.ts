/** Shared pieces of the HA tests: the pipeline on a Patroni cluster, a write probe, results. */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import {
  createTestEnvironment,
  startSystem,
  writePeopleCsvFile,
  type CsvFileInfo,
  type HaCluster,
  type HaClusterOptions,
  type HaDatabase,
  type Replication,
  type RunningSystem,
  type TestEnvironment,
} from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { defaultSchemaName } from '@ingest/access';
import { qualifiedName } from '@ingest/postgres';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rows of the failover jobs: ~27 MB, tens of seconds through the cluster on 2 cores. */
export const JOB_RECORDS = Number(process.env.HA_TEST_RECORDS ?? 500_000);
export const CHUNK_BYTES = 1 << 20;

/**
 * The cluster settings of the HA tests: the defaults of infra/ha (synchronous_mode, ttl 5,
 * loop_wait 1, retry_timeout 2), or HA_TEST_REPLICATION / HA_TEST_TTL / HA_TEST_LOOP_WAIT /
 * HA_TEST_RETRY_TIMEOUT to measure other modes and timings with the same tests.
 */
export function clusterOptions(name: string): HaClusterOptions {
  const settings: Record<string, string> = {};
  if (process.env.HA_TEST_TTL) settings.HA_TTL = process.env.HA_TEST_TTL;
  if (process.env.HA_TEST_LOOP_WAIT) settings.HA_LOOP_WAIT = process.env.HA_TEST_LOOP_WAIT;
  if (process.env.HA_TEST_RETRY_TIMEOUT)
    settings.HA_RETRY_TIMEOUT = process.env.HA_TEST_RETRY_TIMEOUT;
  const replication = (process.env.HA_TEST_REPLICATION ?? 'sync') as Replication;
  return { name, replication, settings };
}

export interface IngestOnCluster {
  db: HaDatabase;
  t: TestEnvironment;
  system: RunningSystem;
  file: CsvFileInfo;
  stop(): Promise<void>;
}

/** The four services in this process, writing through the cluster's HAProxy write port. */
export async function startIngestOnCluster(
  cluster: HaCluster,
  records = JOB_RECORDS,
): Promise<IngestOnCluster> {
  const db = await cluster.createDatabase();
  const t = await createTestEnvironment({
    DATABASE_URL: db.writeUrl,
    LOG_LEVEL: process.env.HA_TEST_LOG_LEVEL ?? 'warn',
  });
  const system = await startSystem(t.env, { loaders: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'ingest-ha-'));
  const file = writePeopleCsvFile(join(dir, 'people.csv'), records);
  return {
    db,
    t,
    system,
    file,
    async stop() {
      await system.stop();
      await t.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function uploadFile(
  system: RunningSystem,
  path: string,
  query: string,
): Promise<string> {
  const res = await system.fetch(`/v1/jobs/raw?${query}`, {
    method: 'PUT',
    headers: { 'content-type': 'text/csv' },
    body: readFileSync(path),
  });
  if (res.status !== 202) throw new Error(`upload: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as JobView).id;
}

/** Polls the job until `predicate` holds (or it ends). */
export async function waitForProgress(
  system: RunningSystem,
  id: string,
  predicate: (job: JobView) => boolean,
  timeoutMs = 120_000,
): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await system.fetch(`/v1/jobs/${id}`);
    if (res.ok) {
      const job = (await res.json()) as JobView;
      if (predicate(job) || ['completed', 'failed', 'cancelled'].includes(job.status)) return job;
    }
    if (Date.now() > deadline) throw new Error(`job ${id}: no progress in ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Rows and distinct ids of a table of tenant "default" (the tenant the tests' keys belong to). */
export async function tableCounts(url: string, table: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ total: number; distinct_ids: number }>(
      `SELECT count(*)::int AS total, count(DISTINCT id)::int AS distinct_ids FROM ${qualifiedName(defaultSchemaName('default'), table)}`,
    );
    return rows[0] ?? { total: -1, distinct_ids: -1 };
  } finally {
    await client.end();
  }
}

/**
 * Commits one row every ~50 ms through the write port, reconnecting after any error, and
 * remembers which inserts were acknowledged: the write outage is the time from a fault to the
 * first acknowledged commit after it; a lost row is an acknowledged id missing afterwards.
 */
export class WriteProbe {
  readonly acked: { id: number; at: number }[] = [];
  errors = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly url: string) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    await client.query(
      'CREATE TABLE IF NOT EXISTS ha_probe (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())',
    );
    await client.end();
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let client: pg.Client | undefined;
    while (this.running) {
      try {
        if (!client) {
          client = new pg.Client({
            connectionString: this.url,
            connectionTimeoutMillis: 1000,
            query_timeout: 3000,
          });
          client.on('error', () => undefined);
          await client.connect();
        }
        const { rows } = await client.query<{ id: string }>(
          'INSERT INTO ha_probe DEFAULT VALUES RETURNING id',
        );
        this.acked.push({ id: Number(rows[0]?.id), at: Date.now() });
      } catch {
        this.errors++;
        const dead = client;
        client = undefined;
        await dead?.end().catch(() => undefined);
      }
      await sleep(50);
    }
    await client?.end().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * The write outage around a fault at `at`: the longest time without an acknowledged commit
   * between the last one before `at` and `windowMs` after it (the probe's own period, ~50 ms
   * plus a round trip, is the floor).
   */
  longestGapAround(at: number, windowMs = 60_000): number {
    let previous = [...this.acked].reverse().find((a) => a.at <= at)?.at ?? at;
    let longest = 0;
    for (const a of this.acked) {
      if (a.at <= previous || a.at > at + windowMs) continue;
      longest = Math.max(longest, a.at - previous);
      previous = a.at;
    }
    if (longest === 0) throw new Error('no write was acknowledged after the fault');
    return longest;
  }

  /** Milliseconds from `at` to the first acknowledged commit after it. */
  outageAfter(at: number): number {
    const first = this.acked.find((a) => a.at > at);
    if (!first) throw new Error('no write was acknowledged after the fault');
    return first.at - at;
  }

  /** Acknowledged ids that the (new) leader does not have. */
  async lost(): Promise<number[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM ha_probe');
      const present = new Set(rows.map((r) => Number(r.id)));
      return this.acked.filter((a) => !present.has(a.id)).map((a) => a.id);
    } finally {
      await client.end();
    }
  }
}

/** Appends one measurement to .run/ha-results.jsonl (docs/ha.md quotes these). */
export function recordResult(result: Record<string, unknown>): void {
  const dir = resolve(__dirname, '../../.run');
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    join(dir, 'ha-results.jsonl'),
    `${JSON.stringify({ at: new Date().toISOString(), ...result })}\n`,
  );
  console.log(`[ha] ${JSON.stringify(result)}`);
}
