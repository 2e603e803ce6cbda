/**
 * Fair dispatch, measured: a small job's latency alone and behind a large job,
 * and the large job's throughput, with the dispatch windows (the defaults) and
 * without them (every recorded chunk published at once: the former FIFO).
 *
 *   npx tsx scripts/bench-fairness.ts [largeRows=400000] [chunkBytes=262144]
 *
 * Runs on the local servers in an isolated environment (own database, vhost, bucket
 * prefix): gateway, splitter and notifier in this process, two loaders as their own
 * processes. Prints a Markdown table for docs/benchmarks.md.
 */
import {
  LoaderProcesses,
  createTestEnvironment,
  peopleFixture,
  startSystem,
  waitForJob,
  type RunningSystem,
} from '@ingest/testing';
import type { JobView } from '@ingest/contracts';

const largeRows = Number(process.argv[2] ?? 400_000);
const chunkBytes = Number(process.argv[3] ?? 262_144);
const LARGE = peopleFixture(largeRows, 3);
const SMALL = peopleFixture(200, 5);

const CONFIGS: { name: string; env: Record<string, string> }[] = [
  { name: 'fair (window 4, 8 in flight)', env: {} },
  {
    name: 'FIFO (no window)',
    env: { DISPATCH_JOB_WINDOW: '1000000', DISPATCH_MAX_IN_FLIGHT: '0' },
  },
];

async function upload(system: RunningSystem, key: string, table: string, text: string, chunk = 0) {
  const query = `table=${table}${chunk ? `&chunk_size=${chunk}` : ''}`;
  const res = await fetch(`${system.baseUrl}/v1/jobs/raw?${query}`, {
    method: 'PUT',
    body: text,
    headers: { Authorization: `Bearer ${key}` },
  });
  if (res.status !== 202) throw new Error(`upload: ${res.status} ${await res.text()}`);
  return ((await res.json()) as JobView).id;
}

async function timeJob(system: RunningSystem, key: string, table: string, text: string, chunk = 0) {
  const started = Date.now();
  const id = await upload(system, key, table, text, chunk);
  const done = await waitForJob(system.baseUrl, key, id, 600_000);
  if (done.status !== 'completed') throw new Error(`${table}: ${done.status}`);
  return { id, seconds: (Date.now() - started) / 1000, done };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function measure(config: (typeof CONFIGS)[number]) {
  const t = await createTestEnvironment({ ...config.env, LOG_LEVEL: 'warn' });
  const system = await startSystem(t.env, { loaders: 0 });
  const loaders = new LoaderProcesses(t.env);
  await loaders.start([{ name: 'loader-1' }, { name: 'loader-2' }]);
  try {
    const other = await system.createApiKey('other');
    await timeJob(system, system.apiKey, 'warm_up', SMALL.text);
    const idle: number[] = [];
    for (let i = 0; i < 3; i++) {
      idle.push((await timeJob(system, other, `idle_${i}`, SMALL.text)).seconds);
    }
    const alone = await timeJob(system, system.apiKey, 'large_alone', LARGE.text, chunkBytes);

    // The large job again; a small job of another tenant once it is loading.
    const started = Date.now();
    const large = await upload(system, system.apiKey, 'large_shared', LARGE.text, chunkBytes);
    for (;;) {
      const view = (await (await system.fetch(`/v1/jobs/${large}`)).json()) as JobView;
      if (view.chunks.done >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const behind = await timeJob(system, other, 'small_behind', SMALL.text);
    const shared = await waitForJob(system.baseUrl, system.apiKey, large, 600_000);
    return {
      name: config.name,
      idle: median(idle),
      behind: behind.seconds,
      largeAlone: alone.seconds,
      largeShared: (Date.now() - started) / 1000,
      chunks: alone.done.chunks.total ?? 0,
      mb: LARGE.text.length / 1e6,
      sharedStatus: shared.status,
    };
  } finally {
    await loaders.stop();
    await system.stop();
    await t.cleanup();
  }
}

async function main() {
  const results = [];
  for (const config of CONFIGS) {
    console.log(`[bench] ${config.name} …`);
    results.push(await measure(config));
  }
  console.log(
    `\nlarge job: ${results[0]?.mb.toFixed(1)} MB, ${results[0]?.chunks} chunks of ${chunkBytes} B; small job: 200 rows\n`,
  );
  console.log(
    '| dispatch | small job alone, s | small job behind the large one, s | large job alone, s (MB/s) | large job beside the small one, s |',
  );
  console.log('|---|--:|--:|--:|--:|');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.idle.toFixed(2)} | ${r.behind.toFixed(2)} | ${r.largeAlone.toFixed(1)} (${(r.mb / r.largeAlone).toFixed(2)}) | ${r.largeShared.toFixed(1)} |`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
