/**
 * What two COPY streams at once cost the database against one: the loaders of a job COPY
 * its chunks into one table side by side, psql \copy sends one stream.
 *
 *   npx tsx scripts/bench-copy-streams.ts [--size 256MiB] [--runs 3] [--shape text]
 *
 * Uses the binary COPY payload that `scripts/bench-copy-formats.ts --shape <shape>` writes
 * (bench-data/copy-<file>-<size>.binary; run that first). Each run loads it by one stream,
 * by two streams at once into one table (each stream the whole payload), and by two at once
 * into two tables (TRUNCATE + CHECKPOINT before each). Prints medians of the wall time and
 * of each backend's user and system CPU per stream (/proc), and the server settings that
 * weigh on it (`wal_buffers`, `max_wal_size`).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sizeLabel } from './bench-support/args';
import { median, parseHotPathArgs, tableDdl } from './bench-support/hot-path';
import { readCpuTimes } from './bench-support/proc';
import { FILE_SHAPES } from './bench-pipeline/file-shapes';

const ROOT = resolve(__dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** User and system CPU seconds of a backend (0 once it is gone). */
const backendCpu = (pid: number) => readCpuTimes(pid) ?? { user: 0, system: 0 };

interface Layout {
  name: string;
  /** The table each stream writes into. */
  tables: string[];
}

const LAYOUTS: Layout[] = [
  { name: 'one stream', tables: ['a'] },
  { name: 'two streams, one table', tables: ['a', 'a'] },
  { name: 'two streams, two tables', tables: ['a', 'b'] },
];

async function main() {
  const args = parseHotPathArgs(process.argv.slice(2));
  // Long text by default, where the database's share of the job is largest.
  const key = process.argv.includes('--shape') ? (args.shapes[0] ?? 'text') : 'text';
  const shape = FILE_SHAPES[key];
  if (shape === undefined) throw new Error(`unknown shape ${key}`);
  const payload = join(ROOT, 'bench-data', `copy-${shape.name}-${sizeLabel(args.size)}.binary`);
  if (!existsSync(payload)) {
    throw new Error(
      `${payload} is missing: npx tsx scripts/bench-copy-formats.ts --size ${sizeLabel(args.size)} --shape ${key}`,
    );
  }
  const database = `bench_streams_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const settings = await admin.query<{ w: string; m: string }>(
    "SELECT current_setting('wal_buffers') AS w, current_setting('max_wal_size') AS m",
  );
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const clients = [new pg.Client(url.toString()), new pg.Client(url.toString())];
  const results = new Map<string, { wall: number[]; user: number[]; system: number[] }>();
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const [first] = clients as [pg.Client, pg.Client];
    const ddl = tableDdl(shape.schema);
    await first.query(`CREATE TABLE a (${ddl}); CREATE TABLE b (${ddl})`);
    const pids = await Promise.all(
      clients.map(
        async (c) => (await c.query<{ p: number }>('SELECT pg_backend_pid() AS p')).rows[0]?.p ?? 0,
      ),
    );
    for (let run = 0; run < args.runs; run++) {
      for (const layout of LAYOUTS) {
        await first.query('TRUNCATE a, b');
        await first.query('CHECKPOINT');
        const streams = layout.tables.map((table, i) => ({
          table,
          client: clients[i] as pg.Client,
          pid: pids[i] as number,
        }));
        const before = streams.map((s) => backendCpu(s.pid));
        const t0 = performance.now();
        await Promise.all(
          streams.map((s) =>
            pipeline(
              createReadStream(payload, { highWaterMark: 256 * 1024 }),
              s.client.query(copyFrom(`COPY ${s.table} FROM STDIN (FORMAT binary)`)),
            ),
          ),
        );
        const wall = (performance.now() - t0) / 1000;
        const r = results.get(layout.name) ?? { wall: [], user: [], system: [] };
        r.wall.push(wall);
        streams.forEach((s, i) => {
          const after = backendCpu(s.pid);
          r.user.push(after.user - (before[i]?.user ?? 0));
          r.system.push(after.system - (before[i]?.system ?? 0));
        });
        results.set(layout.name, r);
        console.log(`run ${run + 1} ${layout.name.padEnd(24)} ${wall.toFixed(2)} s`);
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  const mb = (statSync(payload).size / 1e6).toFixed(0);
  console.log(
    `\n${shape.name}, ${mb} MB of binary COPY per stream, median of ${args.runs} runs; ` +
      `wal_buffers ${settings.rows[0]?.w}, max_wal_size ${settings.rows[0]?.m}:`,
  );
  console.log('layout                     wall s   per stream: backend user s   system s');
  for (const layout of LAYOUTS) {
    const r = results.get(layout.name);
    if (!r) continue;
    console.log(
      `${layout.name.padEnd(24)} ${median(r.wall).toFixed(2).padStart(8)} ` +
        `${median(r.user).toFixed(2).padStart(27)} ${median(r.system).toFixed(2).padStart(10)}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
