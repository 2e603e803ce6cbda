import { loaderEnvSchema, createLogger, parseEnv } from '@ingest/config';
import type { ChunkTask } from '@ingest/contracts';
import { ChunkWriter } from '@ingest/loading';
import { IngestMetrics } from '@ingest/metrics';
import { ChunkGuard, Failpoints, loadChunk } from '@ingest/loader';
import { migrate, type Pool } from '@ingest/postgres';
import { createServiceAdapters, type ServiceAdapters } from '@ingest/runtime';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

/** Every statement a pool's connections send, in order (COPY included). */
function recordStatements(pool: Pool): string[] {
  const sent: string[] = [];
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    Object.assign(client, {
      query: (...args: unknown[]) => {
        const first = args[0] as string | { text?: string };
        sent.push(typeof first === 'string' ? first : (first.text ?? '<stream>'));
        return query(...args);
      },
    });
  });
  return sent;
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 60);

/**
 * What a chunk costs the database after its COMMIT: one statement (settleJob)
 * for every chunk but the one that ends the job, which also marks the job
 * announced once its event is out. Counted on the real loader code path.
 */
describe('database round trips of a chunk after its commit', () => {
  let t: TestEnvironment;
  let adapters: ServiceAdapters;
  let sent: string[];
  const records = ['1,a\n', '2,b\n', '3,c\n'];
  const csv = records.join('');

  beforeAll(async () => {
    t = await createTestEnvironment();
    const env = parseEnv(loaderEnvSchema, t.env);
    adapters = createServiceAdapters(
      env,
      { service: 'loader', poolSize: 4 },
      createLogger('t', 'silent'),
    );
    sent = recordStatements(adapters.pool);
    await migrate(adapters.pool);
    await adapters.store.prepare();
    await adapters.store.put('rt/people.csv', Readable.from([Buffer.from(csv)]), csv.length);
  });

  afterAll(async () => {
    await adapters?.close();
    await t?.cleanup();
  });

  it('is one statement per chunk; the ending chunk adds only the announcement', async () => {
    const jobId = randomUUID();
    await adapters.pool.query('CREATE TABLE public.people (id text, name text)');
    await adapters.pool.query(
      `INSERT INTO ingest.jobs (id, status, table_name, object_key, chunks_total, records_found, load_plan)
       VALUES ($1, 'planned', 'people', 'rt/people.csv', 3, 3, '{"kind":"direct"}')`,
      [jobId],
    );
    const deps = {
      ...adapters,
      writer: new ChunkWriter(adapters.pool),
      logger: createLogger('loader', 'silent'),
      failpoints: Failpoints.none,
      copyFormat: 'text' as const,
      guard: new ChunkGuard({
        pool: adapters.pool,
        logger: createLogger('loader', 'silent'),
        checkIntervalMs: 1000,
        budget: { baseMs: 60_000, perMibMs: 30_000 },
      }),
      metrics: new IngestMetrics('loader'),
    };
    const delivery = {
      redelivered: false,
      deliveryCount: 0,
      lastChance: false,
      publishedAtMs: null,
    };
    const afterCommit: string[][] = [];
    let start = 0;
    for (const [index, record] of records.entries()) {
      const task: ChunkTask = {
        type: 'chunk.load',
        version: 1,
        jobId,
        chunkIndex: index,
        objectKey: 'rt/people.csv',
        range: { start, end: start + record.length },
        firstLine: index + 1,
        records: 1,
        invalidUtf8: false,
        dialect: { delimiter: ',', quote: '"', header: false },
        targetSchema: 'public',
        table: 'people',
        columns: ['id', 'name'],
        schemaVersion: 2,
        // All text, trimmed, empty as NULL: what the former version 1 tasks meant.
        schema: {
          columns: ['id', 'name'].map((name) => ({
            name,
            type: 'text',
            transforms: [{ type: 'trim' }, { type: 'null_tokens', tokens: [''] }],
          })),
        },
        header: ['id', 'name'],
        load: { kind: 'direct' },
      };
      start += record.length;
      sent.length = 0;
      await loadChunk(deps, task, delivery);
      const commit = sent.lastIndexOf('COMMIT');
      expect(commit).toBeGreaterThan(0);
      afterCommit.push(sent.slice(commit + 1).map(oneLine));
    }
    const [first, second, last] = afterCommit;
    expect(first).toEqual([expect.stringMatching(/^WITH ledger AS/)]);
    expect(second).toEqual([expect.stringMatching(/^WITH ledger AS/)]);
    expect(last).toEqual([
      expect.stringMatching(/^WITH ledger AS/),
      expect.stringMatching(/^UPDATE ingest.jobs SET announced_at/),
    ]);
    const { rows } = await adapters.pool.query('SELECT status FROM ingest.jobs WHERE id = $1', [
      jobId,
    ]);
    expect(rows[0].status).toBe('completed');
  });
});
