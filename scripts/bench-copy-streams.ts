/**
 * What two COPY streams at once cost the database against one: the loaders of a job COPY
 * its chunks into one table side by side, each chunk in a transaction of its own; psql \copy
 * sends one stream in one transaction.
 *
 *   npx tsx scripts/bench-copy-streams.ts [--size 256MiB] [--runs 3] [--shape text]
 *
 * Uses the binary COPY payload that `scripts/bench-copy-formats.ts --shape <shape>` writes
 * (bench-data/copy-<file>-<size>.binary; run that first). Layouts (TRUNCATE + CHECKPOINT
 * before each):
 *
 *   the same rows, split     one stream in one transaction (psql's way), one stream in 32 MiB
 *                            transactions, two streams of half the rows each in one
 *                            transaction each, and in 32 MiB transactions (the pipeline's way)
 *   twice the rows           each of two streams sends the whole payload, into one table and
 *                            into two tables
 *
 * Prints medians of the wall time and of the backends' user and system CPU (/proc), summed
 * over the streams, and the server settings that weigh on it (`wal_buffers`, `max_wal_size`).
 */
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { MIB, sizeLabel } from './bench-support/args';
import { median, parseHotPathArgs, tableDdl } from './bench-support/hot-path';
import { readCpuTimes } from './bench-support/proc';
import { FILE_SHAPES } from './bench-pipeline/file-shapes';

const ROOT = resolve(__dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Signature, flags and header extension length of a binary COPY payload. */
const HEADER_BYTES = 19;
const TRAILER = Buffer.from([0xff, 0xff]);
/** The pipeline's default chunk size. */
const CHUNK_BYTES = 32 * MIB;

/** User and system CPU seconds of a backend (0 once it is gone). */
const backendCpu = (pid: number) => readCpuTimes(pid) ?? { user: 0, system: 0 };

interface Layout {
  name: string;
  /** The table each stream writes into. */
  tables: string[];
  /** Each stream takes its share of the rows (true) or sends the whole payload (false). */
  split: boolean;
  /** Rows per transaction, in payload bytes; null: one transaction per stream. */
  transactionBytes: number | null;
}

const LAYOUTS: Layout[] = [
  { name: 'one stream, one transaction', tables: ['a'], split: true, transactionBytes: null },
  {
    name: 'one stream, 32 MiB transactions',
    tables: ['a'],
    split: true,
    transactionBytes: CHUNK_BYTES,
  },
  {
    name: 'two halves, one transaction each',
    tables: ['a', 'a'],
    split: true,
    transactionBytes: null,
  },
  {
    name: 'two halves, 32 MiB transactions',
    tables: ['a', 'a'],
    split: true,
    transactionBytes: CHUNK_BYTES,
  },
  { name: 'twice the rows, one table', tables: ['a', 'a'], split: false, transactionBytes: null },
  { name: 'twice the rows, two tables', tables: ['a', 'b'], split: false, transactionBytes: null },
];

/**
 * The byte offset of every row of a binary COPY payload, and where its trailer starts:
 * each row is a 16-bit field count, then per field a 32-bit length (-1: NULL) and its bytes.
 */
function rowOffsets(path: string): { rows: number[]; end: number } {
  const fd = openSync(path, 'r');
  const window = Buffer.alloc(4 * MIB);
  let base = 0;
  let filled = 0;
  /** Makes bytes [at, at + n) readable in `window`; returns their index there. */
  const view = (at: number, n: number): number => {
    if (at < base || at + n > base + filled) {
      base = at;
      filled = readSync(fd, window, 0, window.length, at);
      if (filled < n) throw new Error(`${path}: payload ends inside a row at byte ${at}`);
    }
    return at - base;
  };
  const rows: number[] = [];
  let at = HEADER_BYTES;
  try {
    for (;;) {
      const fields = window.readInt16BE(view(at, 2));
      if (fields === -1) return { rows, end: at };
      rows.push(at);
      at += 2;
      for (let f = 0; f < fields; f++) {
        const length = window.readInt32BE(view(at, 4));
        at += 4 + Math.max(0, length);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The rows in payload bytes [start, end) as one COPY of their own: header, rows, trailer. */
function rowRange(path: string, start: number, end: number): Readable {
  const header = createReadStream(path, { start: 0, end: HEADER_BYTES - 1 });
  const rows = createReadStream(path, { start, end: end - 1, highWaterMark: 256 * 1024 });
  return Readable.from(
    (async function* () {
      yield* header;
      yield* rows;
      yield TRAILER;
    })(),
  );
}

/** Each stream's transactions as [start, end) byte ranges of whole rows. */
function transactionsOf(
  layout: Layout,
  payload: { rows: number[]; end: number },
): [number, number][][] {
  const { rows, end } = payload;
  const streams = layout.tables.length;
  return layout.tables.map((_, s) => {
    const from = layout.split ? rows[Math.floor((rows.length * s) / streams)] : rows[0];
    const to = layout.split ? (rows[Math.floor((rows.length * (s + 1)) / streams)] ?? end) : end;
    if (from === undefined || to === undefined) return [];
    if (layout.transactionBytes === null) return [[from, to]];
    const cuts: [number, number][] = [];
    let start = from;
    for (const row of rows) {
      if (row <= start || row >= to) continue;
      if (row - start >= layout.transactionBytes) {
        cuts.push([start, row]);
        start = row;
      }
    }
    cuts.push([start, to]);
    return cuts;
  });
}

async function main() {
  const args = parseHotPathArgs(process.argv.slice(2));
  // Long text by default, where the database's share of the job is largest.
  const key = process.argv.includes('--shape') ? (args.shapes[0] ?? 'text') : 'text';
  const shape = FILE_SHAPES[key];
  if (shape === undefined) throw new Error(`unknown shape ${key}`);
  const path = join(ROOT, 'bench-data', `copy-${shape.name}-${sizeLabel(args.size)}.binary`);
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: npx tsx scripts/bench-copy-formats.ts --size ${sizeLabel(args.size)} --shape ${key}`,
    );
  }
  const payload = rowOffsets(path);
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
        const plans = transactionsOf(layout, payload);
        const before = pids.map(backendCpu);
        const t0 = performance.now();
        await Promise.all(
          plans.map(async (transactions, i) => {
            const client = clients[i] as pg.Client;
            const table = layout.tables[i] as string;
            for (const [start, end] of transactions) {
              await client.query('BEGIN');
              await pipeline(
                rowRange(path, start, end),
                client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT binary)`)),
              );
              await client.query('COMMIT');
            }
          }),
        );
        const wall = (performance.now() - t0) / 1000;
        const after = pids.map(backendCpu);
        const { rows } = await first.query<{ n: number }>(
          'SELECT (SELECT count(*) FROM a)::int + (SELECT count(*) FROM b)::int AS n',
        );
        const expected = payload.rows.length * (layout.split ? 1 : layout.tables.length);
        if (rows[0]?.n !== expected) {
          throw new Error(`${layout.name}: ${rows[0]?.n} rows loaded, expected ${expected}`);
        }
        const r = results.get(layout.name) ?? { wall: [], user: [], system: [] };
        r.wall.push(wall);
        r.user.push(after.reduce((s, a, i) => s + a.user - (before[i]?.user ?? 0), 0));
        r.system.push(after.reduce((s, a, i) => s + a.system - (before[i]?.system ?? 0), 0));
        results.set(layout.name, r);
        console.log(`run ${run + 1} ${layout.name.padEnd(34)} ${wall.toFixed(2)} s`);
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  const mb = (statSync(path).size / 1e6).toFixed(0);
  console.log(
    `\n${shape.name}, ${mb} MB of binary COPY (${payload.rows.length.toLocaleString()} rows), ` +
      `median of ${args.runs} runs; wal_buffers ${settings.rows[0]?.w}, max_wal_size ${settings.rows[0]?.m}:`,
  );
  console.log('layout                               wall s   backends: user s   system s');
  for (const layout of LAYOUTS) {
    const r = results.get(layout.name);
    if (!r) continue;
    console.log(
      `${layout.name.padEnd(34)} ${median(r.wall).toFixed(2).padStart(8)} ` +
        `${median(r.user).toFixed(2).padStart(18)} ${median(r.system).toFixed(2).padStart(10)}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
