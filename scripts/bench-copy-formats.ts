/**
 * What each COPY wire format costs the database, for the same rows into the
 * same typed table: the evidence behind the loader's choice of format.
 *
 *   npx tsx scripts/bench-copy-formats.ts [--size 256MiB] [--runs 3] [--regen] [--shape mixed]
 *
 * The rows are the pipeline benchmark's file of the shape (`mixed`, the 12-column
 * bench-data/pipeline-<size>.csv, by default; `narrow`, `text`: long quoted free text). The
 * three payloads: `csv` — the pre-cleaned file as psql \copy would send it (the
 * server parses CSV and every value); `text` and `binary` — what the loader's
 * CopyEncoder sends for the raw file (values already normalized; binary also
 * already converted to each type's binary form). Each is streamed from a file
 * in the page cache to `COPY … FROM STDIN` over one connection into an empty
 * table (TRUNCATE + CHECKPOINT before each run). Prints medians of the wall
 * time and the server backend's CPU (utime + stime from /proc), and the
 * loader-side CPU of producing each payload. MB = 10^6 bytes of the raw CSV.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyEncoder, type CopyFormat } from '@ingest/loader';
import { sizeLabel } from './bench-support/args';
import { median, parseHotPathArgs, tableDdl, wholeFileTask } from './bench-support/hot-path';
import { FILE_SHAPES, type FileShape } from './bench-pipeline/file-shapes';
import { readCpuSeconds } from './bench-support/proc';

const ROOT = resolve(__dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Writes the loader's payload for the raw file; returns the CPU seconds it took. */
async function encodeTo(
  shape: FileShape,
  raw: string,
  bytes: number,
  format: CopyFormat,
  out: string,
) {
  const header = shape.schema.columns.map((c) => c.name);
  const cpu0 = process.cpuUsage();
  const encoder = new CopyEncoder(wholeFileTask(bytes, shape.schema, header), format);
  await pipeline(
    createReadStream(raw, {
      start: Buffer.byteLength(`${header.join(',')}\n`),
      highWaterMark: 64 * 1024,
    }),
    encoder,
    createWriteStream(out),
  );
  const used = process.cpuUsage(cpu0);
  return (used.user + used.system) / 1e6;
}

interface Payload {
  format: 'csv' | CopyFormat;
  path: string;
  options: string;
  encodeCpu: number | null;
}

async function main() {
  const args = parseHotPathArgs(process.argv.slice(2));
  const dir = join(ROOT, 'bench-data');
  mkdirSync(dir, { recursive: true });
  const label = sizeLabel(args.size);
  const shape = FILE_SHAPES[args.shapes[0] ?? 'mixed'];
  if (shape === undefined) throw new Error(`unknown shape ${args.shapes[0]}`);
  const csv = shape.ensure(join(dir, `${shape.name}-${label}.csv`), args.size, args.regen);
  const mb = csv.bytes / 1e6;
  console.log(`rows: ${csv.path} (${csv.records.toLocaleString()} records, ${mb.toFixed(0)} MB)`);

  const payloads: Payload[] = [
    { format: 'csv', path: csv.cleanPath, options: '(FORMAT csv, HEADER true)', encodeCpu: null },
  ];
  for (const format of ['text', 'binary'] as const) {
    const path = join(dir, `copy-${shape.name}-${label}.${format}`);
    const stale = !existsSync(path) || statSync(path).mtimeMs < statSync(csv.path).mtimeMs;
    const cpu = await encodeTo(shape, csv.path, csv.bytes, format, path);
    if (stale) console.log(`wrote ${path}`);
    payloads.push({
      format,
      path,
      options: format === 'binary' ? '(FORMAT binary)' : '',
      encodeCpu: cpu,
    });
  }

  const database = `bench_copy_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  const results = new Map<string, { wall: number[]; server: number[] }>();
  try {
    const ddl = tableDdl(shape.schema);
    await db.query(`CREATE TABLE rows (${ddl})`);
    const backend = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
      ?.pid;
    if (backend === undefined) throw new Error('no backend pid');
    for (let run = 0; run < args.runs; run++) {
      for (const p of payloads) {
        await db.query('TRUNCATE rows');
        await db.query('CHECKPOINT');
        const cpu0 = readCpuSeconds(backend) ?? 0;
        const t0 = performance.now();
        await pipeline(
          createReadStream(p.path, { highWaterMark: 256 * 1024 }),
          db.query(copyFrom(`COPY rows FROM STDIN ${p.options}`)),
        );
        const wall = (performance.now() - t0) / 1000;
        const server = (readCpuSeconds(backend) ?? 0) - cpu0;
        const n = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rows')).rows[0]?.n;
        if (n !== csv.records) throw new Error(`${p.format}: ${n} rows, expected ${csv.records}`);
        const r = results.get(p.format) ?? { wall: [], server: [] };
        r.wall.push(wall);
        r.server.push(server);
        results.set(p.format, r);
        console.log(
          `run ${run + 1} ${p.format.padEnd(6)} ${wall.toFixed(2)} s, server ${server.toFixed(2)} CPU-s`,
        );
      }
    }
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }

  const gib = 1073.741824 / mb;
  const csvServer = median(results.get('csv')?.server ?? [1]);
  console.log(`\nmedian of ${args.runs} runs, ${mb.toFixed(0)} MB of CSV, one COPY stream:`);
  console.log(
    'format   wall s   MB/s   server CPU-s   per GiB   ÷ csv   loader CPU-s/GiB to produce it',
  );
  for (const p of payloads) {
    const r = results.get(p.format);
    if (!r) continue;
    const wall = median(r.wall);
    const server = median(r.server);
    console.log(
      `${p.format.padEnd(6)} ${wall.toFixed(2).padStart(8)} ${(mb / wall).toFixed(1).padStart(6)} ` +
        `${server.toFixed(2).padStart(14)} ${(server * gib).toFixed(1).padStart(9)} ` +
        `${(server / csvServer).toFixed(2).padStart(7)}   ` +
        `${p.encodeCpu === null ? '– (psql sends the file)' : (p.encodeCpu * gib).toFixed(1)}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
