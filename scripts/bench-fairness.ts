/**
 * Fair dispatch, measured: a small job's latency alone and behind a large job,
 * and the large job's throughput, with the dispatch windows (the defaults) and
 * without them (every recorded chunk published at once: the former FIFO).
 *
 *   npx tsx scripts/bench-fairness.ts [largeRows=400000] [chunkBytes=262144] [rounds=1]
 *
 * Each round measures both configurations, every other round in the reverse order (whichever
 * runs first after a previous run pays for its checkpoint and cleanup); the table shows every
 * measurement, then the medians and the fair ÷ FIFO ratio of the large job's times.
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
const rounds = Number(process.argv[4] ?? 1);
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

type Result = Awaited<ReturnType<typeof measure>>;

async function main() {
  const results: Result[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const config of order) {
      console.log(`[bench] round ${round + 1}: ${config.name} …`);
      results.push(await measure(config));
    }
  }
  const first = results[0];
  console.log(
    `\nlarge job: ${first?.mb.toFixed(1)} MB, ${first?.chunks} chunks of ${chunkBytes} B; small job: 200 rows\n`,
  );
  console.log(
    '| dispatch | small job alone, s | small job behind the large one, s | large job alone, s (MB/s) | large job beside the small one, s |',
  );
  console.log('|---|--:|--:|--:|--:|');
  const row = (name: string, r: Omit<Result, 'name' | 'chunks' | 'sharedStatus'>) =>
    console.log(
      `| ${name} | ${r.idle.toFixed(2)} | ${r.behind.toFixed(2)} | ${r.largeAlone.toFixed(1)} (${(r.mb / r.largeAlone).toFixed(2)}) | ${r.largeShared.toFixed(1)} |`,
    );
  for (const r of results) row(r.name, r);
  if (rounds < 2) return;
  const medians = CONFIGS.map((c) => {
    const of = results.filter((r) => r.name === c.name);
    const m = (pick: (r: Result) => number) => median(of.map(pick));
    return {
      name: c.name,
      idle: m((r) => r.idle),
      behind: m((r) => r.behind),
      largeAlone: m((r) => r.largeAlone),
      largeShared: m((r) => r.largeShared),
      mb: of[0]?.mb ?? 0,
    };
  });
  for (const m of medians) row(`median, ${m.name}`, m);
  const [fair, fifo] = medians;
  if (fair && fifo) {
    console.log(
      `\nfair ÷ FIFO (medians): large job alone ${(fair.largeAlone / fifo.largeAlone).toFixed(2)}, beside the small one ${(fair.largeShared / fifo.largeShared).toFixed(2)}; small job behind it ${(fair.behind / fifo.behind).toFixed(2)}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
