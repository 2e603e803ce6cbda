/**
 * Loading while the bytes arrive, measured: a file sent at a network's pace
 * (throttled), through raw PUT, a multipart form and tus, with the splitters following the upload
 * (the default) and without (SPLITTER_FOLLOW_MAX=0: planned after the last byte,
 * as before). For each: time to the first committed row after the upload's
 * start, completion lag after the last byte, end to end.
 *
 *   npx tsx scripts/bench-streaming.ts [rows=600000] [MiB/s=16] [runs=3]
 *   (npm run bench:streaming -- …)
 *
 * Runs on the local servers in an isolated environment (own database, vhost,
 * bucket prefix): gateway, splitter and notifier in this process, two loaders as
 * their own processes; segments and chunks of 8 MiB. Prints a Markdown table of
 * medians for docs/benchmarks.md.
 */
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LoaderProcesses,
  createTestEnvironment,
  peopleFixture,
  startSystem,
  waitForJob,
  type RunningSystem,
} from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import type { Pool } from 'pg';

const rows = Number(process.argv[2] ?? 600_000);
const mibPerSecond = Number(process.argv[3] ?? 16);
const runs = Number(process.argv[4] ?? 3);
const FILE = Buffer.from(peopleFixture(rows, 17).text);
const SEGMENT = 8 * 1024 * 1024;
const PIECE = 256 * 1024;

type Route = 'put' | 'multipart' | 'tus';
const ROUTES: readonly Route[] = ['put', 'multipart', 'tus'];
const ROUTE_NAMES: Record<Route, string> = {
  put: 'raw PUT',
  multipart: 'multipart form',
  tus: 'tus',
};
const BOUNDARY = 'bench-streaming-boundary';
interface Timing {
  firstRow: number;
  lastByte: number;
  done: number;
}

/** Writes `body` into `req` at `mibPerSecond`, in pieces of 256 KiB; resolves after the last one. */
async function sendThrottled(write: (piece: Buffer) => Promise<void>, body: Buffer) {
  const started = Date.now();
  for (let at = 0; at < body.length; at += PIECE) {
    await write(body.subarray(at, at + PIECE));
    const due = ((at + PIECE) / (mibPerSecond * 1024 * 1024)) * 1000;
    const wait = started + due - Date.now();
    if (wait > 0) await sleep(wait);
  }
}

/** A request whose body is sent throttled; resolves with its answer once the last byte is sent. */
function throttledRequest(url: URL, method: string, headers: Record<string, string>) {
  const req = request(url, { method, headers });
  const answer = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      });
    },
  );
  const write = (piece: Buffer) =>
    new Promise<void>((resolve) => (req.write(piece) ? resolve() : req.once('drain', resolve)));
  return { answer, write, end: () => req.end() };
}

async function upload(system: RunningSystem, route: Route, table: string) {
  const auth = { authorization: `Bearer ${system.apiKey}` };
  if (route === 'put') {
    const put = throttledRequest(new URL(`${system.baseUrl}/v1/jobs/raw?table=${table}`), 'PUT', {
      ...auth,
      'content-length': String(FILE.length),
    });
    await sendThrottled(put.write, FILE);
    put.end();
    return {
      lastByte: Date.now(),
      id: async () => (JSON.parse((await put.answer).body) as { id: string }).id,
    };
  }
  if (route === 'multipart') {
    // As `curl -F file=@bench.csv` sends it: one file part, the request's length declared.
    const head = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const post = throttledRequest(new URL(`${system.baseUrl}/v1/jobs?table=${table}`), 'POST', {
      ...auth,
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      'content-length': String(head.length + FILE.length + tail.length),
    });
    await post.write(head);
    await sendThrottled(post.write, FILE);
    await post.write(tail);
    post.end();
    return {
      lastByte: Date.now(),
      id: async () => (JSON.parse((await post.answer).body) as { id: string }).id,
    };
  }
  const meta = `filename ${Buffer.from('bench.csv').toString('base64')},table ${Buffer.from(table).toString('base64')}`;
  const created = await fetch(`${system.baseUrl}/v1/uploads`, {
    method: 'POST',
    headers: {
      ...auth,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(FILE.length),
      'Upload-Metadata': meta,
    },
  });
  const id = created.headers.get('Ingest-Job-Id') ?? '';
  const location = new URL(created.headers.get('Location') ?? '', system.baseUrl);
  const patch = throttledRequest(location, 'PATCH', {
    ...auth,
    'Tus-Resumable': '1.0.0',
    'Upload-Offset': '0',
    'Content-Type': 'application/offset+octet-stream',
    'content-length': String(FILE.length),
  });
  await sendThrottled(patch.write, FILE);
  patch.end();
  const lastByte = Date.now();
  const answer = await patch.answer;
  if (answer.status !== 204) throw new Error(`tus PATCH: ${answer.status} ${answer.body}`);
  return { lastByte, id: () => Promise.resolve(id) };
}

/** Polls the table for its first row from the upload's start on. */
async function watchFirstRow(db: Pool, table: string, stop: { done: boolean }) {
  for (;;) {
    const { rows: found } = await db
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} LIMIT 1) t`)
      .catch(() => ({ rows: [{ n: 0 }] }));
    if ((found[0]?.n ?? 0) > 0 || stop.done) return Date.now();
    await sleep(50);
  }
}

async function measureOne(system: RunningSystem, db: Pool, route: Route, n: number) {
  const table = `stream_${route}_${n}`;
  const started = Date.now();
  const stop = { done: false };
  const firstRow = watchFirstRow(db, system.table(table), stop);
  const sent = await upload(system, route, table);
  const id = await sent.id();
  const view: JobView = await waitForJob(system.baseUrl, system.apiKey, id, 900_000);
  const done = Date.now();
  stop.done = true;
  if (view.status !== 'completed' || view.rows.loaded !== rows) {
    throw new Error(`${table}: ${view.status}, ${view.rows.loaded} rows`);
  }
  const s = (t: number) => (t - started) / 1000;
  return { firstRow: s(await firstRow), lastByte: s(sent.lastByte), done: s(done) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function measure(follow: boolean) {
  const t = await createTestEnvironment({
    LOG_LEVEL: 'warn',
    GATEWAY_SEGMENT_BYTES: String(SEGMENT),
    GATEWAY_TUS_SEGMENT_BYTES: String(SEGMENT),
    SPLITTER_CHUNK_BYTES: String(SEGMENT),
    SPLITTER_FOLLOW_MAX: follow ? '8' : '0',
  });
  const system = await startSystem(t.env, { loaders: 0 });
  const loaders = new LoaderProcesses(t.env);
  await loaders.start([{ name: 'loader-1' }, { name: 'loader-2' }]);
  const { Pool: PgPool } = await import('pg');
  const db = new PgPool({ connectionString: t.env.DATABASE_URL, max: 2 });
  try {
    const out: Record<Route, Timing[]> = { put: [], multipart: [], tus: [] };
    for (let n = 0; n < runs; n++) {
      for (const route of ROUTES) {
        out[route].push(await measureOne(system, db, route, n));
      }
    }
    return out;
  } finally {
    await db.end();
    await loaders.stop();
    await system.stop();
    await t.cleanup();
  }
}

async function main() {
  const mib = FILE.length / 1024 / 1024;
  console.log(
    `[bench] ${rows} rows, ${mib.toFixed(0)} MiB sent at ${mibPerSecond} MiB/s (${(mib / mibPerSecond).toFixed(1)} s), ${runs} runs each`,
  );
  const table: string[] = [
    '| route | loading | first row after, s | last byte sent at, s | completed at, s | lag after last byte, s |',
    '|---|---|--:|--:|--:|--:|',
  ];
  for (const follow of [true, false]) {
    console.log(`[bench] ${follow ? 'while arriving' : 'after the last byte'} …`);
    const result = await measure(follow);
    for (const route of ROUTES) {
      const r = result[route];
      const first = median(r.map((x) => x.firstRow));
      const last = median(r.map((x) => x.lastByte));
      const done = median(r.map((x) => x.done));
      const lag = median(r.map((x) => x.done - x.lastByte));
      table.push(
        `| ${ROUTE_NAMES[route]} | ${follow ? 'while arriving' : 'after the last byte'} | ${first.toFixed(2)} | ${last.toFixed(2)} | ${done.toFixed(2)} | ${lag.toFixed(2)} |`,
      );
    }
  }
  console.log(`\n${table.join('\n')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
