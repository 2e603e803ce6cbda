/**
 * The loader's hot path alone (no storage; no database unless --pg), one process,
 * one core: what CSV bytes cost per row on their way to COPY data, beside the
 * raw read and the parsers measured in the same run.
 *
 *   npx tsx scripts/bench-loader.ts [--size 256MiB] [--runs 3] [--regen]
 *                                   [--shape mixed,narrow,narrow-typed,text]
 *                                   [--only encoder,reader] [--pg] [--piece 64KiB]
 *
 * Uses the pipeline benchmark's files (bench-data/<shape>-<size>.csv: `mixed` is the
 * 12-column file, `narrow` 7 short columns where per-row cost shows, `narrow-typed` the same
 * rows with `email` and an enum declared, `text` long quoted free text) with their declared
 * schemas, streamed from the page cache in 64 KiB pieces (what an S3 GET delivers;
 * `--piece 256KiB` is what the fs store reads). Variants:
 *
 *   raw read                  the file's pieces, bytes counted: the floor
 *   csv-parse only            the former loader's parser, records counted
 *   csv-parse + normalize     the former loader: csv-parse, normalizeRow, encodeCopyTextRow
 *   reader only               CsvRecordReader, records counted
 *   encoder (text)            the loader now: CopyEncoder (reader, byte paths, COPY writer), text
 *   encoder (binary)          the same, writing COPY binary format (the default)
 *   binary → COPY (--pg)      the same, sent by `COPY … FROM STDIN` into a typed table;
 *                             the server backend's CPU is reported beside the process's
 *
 * Prints, per shape, the median of each variant's MB/s, CPU-seconds (user + system of
 * this process) per GiB and per million rows, and its CPU beside the raw read, the reader
 * and csv-parse of the same run. MB = 10^6 bytes.
 */
import { parse } from 'csv-parse';
import { createReadStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CsvRecordReader } from '@ingest/csv';
import { encodeCopyTextRow } from '@ingest/pg-copy';
import { compileColumns } from '@ingest/normalize';
import { CopyEncoder } from '@ingest/loader';
import { sizeLabel } from './bench-support/args';
import type { CsvFile } from './bench-support/csv-generator';
import { median, parseHotPathArgs, tableDdl, wholeFileTask } from './bench-support/hot-path';
import { readCpuSeconds } from './bench-support/proc';
import { FILE_SHAPES, type FileShape } from './bench-pipeline/file-shapes';

const ROOT = resolve(__dirname, '..');
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Counts output bytes, so nothing is optimised away. */
class Sink extends Writable {
  bytes = 0;
  count = 0;
  constructor() {
    super({ objectMode: true });
  }
  override _write(chunk: unknown, _e: BufferEncoding, cb: () => void): void {
    this.count++;
    if (Buffer.isBuffer(chunk)) this.bytes += chunk.length;
    cb();
  }
}

const csvParse = () =>
  parse({
    delimiter: ',',
    quote: '"',
    escape: '"',
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  });

/** One benchmark file and what its variants need. */
interface Input {
  shape: FileShape;
  csv: CsvFile;
  header: string[];
  headerBytes: number;
  /** Bytes per read (--piece). */
  piece: number;
  /** The database table for `--pg`, and the backend that loads it. */
  db: { client: pg.Client; backend: number; table: string } | null;
}

/** Records (or rows) the variant saw, and the server's CPU-seconds where it used one. */
interface Outcome {
  rows: number;
  serverCpu?: number;
}

type Variant = (input: Input) => Promise<Outcome>;

const source = (input: Input) =>
  createReadStream(input.csv.path, { start: input.headerBytes, highWaterMark: input.piece });

const encoderOf = (input: Input, format: 'text' | 'binary') =>
  new CopyEncoder(wholeFileTask(input.csv.bytes, input.shape.schema, input.header), format);

const VARIANTS: Record<string, Variant> = {
  'raw read': async (input) => {
    let bytes = 0;
    for await (const piece of source(input)) bytes += (piece as Buffer).length;
    if (bytes !== input.csv.bytes - input.headerBytes) throw new Error(`read ${bytes} bytes`);
    return { rows: input.csv.records };
  },
  'csv-parse only': async (input) => {
    const sink = new Sink();
    await pipeline(source(input), csvParse(), sink);
    return { rows: sink.count };
  },
  'csv-parse + normalize': async (input) => {
    const normalizer = compileColumns(input.shape.schema, input.header);
    let rows = 0;
    let bytes = 0;
    let pending: string[] = [];
    let pendingChars = 0;
    const encode = new Writable({
      objectMode: true,
      write(record: string[], _e, cb) {
        const r = normalizer.normalizeRow(record);
        if (r.ok) {
          const line = encodeCopyTextRow(r.values);
          pending.push(line);
          pendingChars += line.length;
          rows++;
          if (pendingChars >= 256 * 1024) {
            bytes += Buffer.from(pending.join('')).length;
            pending = [];
            pendingChars = 0;
          }
        }
        cb();
      },
    });
    await pipeline(source(input), csvParse(), encode);
    return { rows: bytes >= 0 ? rows : 0 };
  },
  'reader only': async (input) => {
    const reader = new CsvRecordReader({ delimiter: 0x2c, quote: 0x22, skipBom: false });
    let records = 0;
    const count = () => {
      records++;
    };
    for await (const piece of source(input)) reader.push(piece as Buffer, count);
    reader.finish(count);
    return { rows: records };
  },
  'encoder (text)': async (input) => {
    const encoder = encoderOf(input, 'text');
    await pipeline(source(input), encoder, new Sink());
    return { rows: encoder.loaded };
  },
  'encoder (binary)': async (input) => {
    const encoder = encoderOf(input, 'binary');
    await pipeline(source(input), encoder, new Sink());
    return { rows: encoder.loaded };
  },
  'binary → COPY': async (input) => {
    if (input.db === null) throw new Error('binary → COPY needs --pg');
    const { client, backend, table } = input.db;
    await client.query(`TRUNCATE ${table}`);
    await client.query('CHECKPOINT');
    const server0 = readCpuSeconds(backend) ?? 0;
    const encoder = encoderOf(input, 'binary');
    await pipeline(
      source(input),
      encoder,
      client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT binary)`)),
    );
    const serverCpu = (readCpuSeconds(backend) ?? 0) - server0;
    return { rows: encoder.loaded, serverCpu };
  },
};

interface Figures {
  mbps: number[];
  cpu: number[];
  server: number[];
}

async function measureShape(input: Input, names: string[], runs: number) {
  const { csv } = input;
  const mb = (csv.bytes - input.headerBytes) / 1e6;
  const results = new Map<string, Figures>();
  for (let run = 0; run < runs; run++) {
    for (const name of names) {
      const variant = VARIANTS[name] as Variant;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const outcome = await variant(input);
      const seconds = (performance.now() - t0) / 1000;
      const used = process.cpuUsage(cpu0);
      if (outcome.rows !== csv.records) {
        throw new Error(`${name}: ${outcome.rows} rows, expected ${csv.records}`);
      }
      const entry = results.get(name) ?? { mbps: [], cpu: [], server: [] };
      entry.mbps.push(mb / seconds);
      entry.cpu.push((used.user + used.system) / 1e6);
      if (outcome.serverCpu !== undefined) entry.server.push(outcome.serverCpu);
      results.set(name, entry);
      const perM = ((used.user + used.system) / 1e6 / csv.records) * 1e6;
      console.log(
        `run ${run + 1} ${input.shape.name.padEnd(8)} ${name.padEnd(22)} ${(mb / seconds).toFixed(1).padStart(7)} MB/s ${perM.toFixed(2).padStart(6)} CPU-s/M rows`,
      );
    }
  }
  return results;
}

function report(input: Input, results: Map<string, Figures>, runs: number): void {
  const { csv } = input;
  const mb = (csv.bytes - input.headerBytes) / 1e6;
  const perGiB = 1073.741824 / mb;
  const perMillion = 1e6 / csv.records;
  const cpuOf = (name: string): number | null => {
    const r = results.get(name);
    return r === undefined ? null : median(r.cpu);
  };
  const ratio = (cpu: number, base: number | null) =>
    base === null ? '–' : `${(cpu / base).toFixed(2)}×`;
  const raw = cpuOf('raw read');
  const reader = cpuOf('reader only');
  const csvParseCpu = cpuOf('csv-parse only');
  console.log(
    `\n${input.shape.name}: ${mb.toFixed(0)} MB, ${csv.records.toLocaleString()} rows ` +
      `(${((csv.bytes - input.headerBytes) / csv.records).toFixed(0)} bytes a row), median of ${runs} runs, one process, ${input.piece / 1024} KiB reads:`,
  );
  console.log(
    'variant                  MB/s  CPU-s/GiB  CPU-s/M rows  ÷ raw read  ÷ reader  ÷ csv-parse  server CPU-s/M rows',
  );
  for (const [name, r] of results) {
    const cpu = median(r.cpu);
    const server = r.server.length > 0 ? (median(r.server) * perMillion).toFixed(2) : '–';
    console.log(
      `${name.padEnd(22)} ${median(r.mbps).toFixed(1).padStart(7)} ${(cpu * perGiB).toFixed(1).padStart(10)} ` +
        `${(cpu * perMillion).toFixed(2).padStart(13)} ${ratio(cpu, raw).padStart(11)} ` +
        `${ratio(cpu, reader).padStart(9)} ${ratio(cpu, csvParseCpu).padStart(12)} ${server.padStart(20)}`,
    );
  }
}

/** A database of its own with the shape's typed table, for `--pg`; dropped by `close`. */
async function openDatabase(shapes: FileShape[]) {
  const database = `bench_loader_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  for (const shape of shapes) {
    const ddl = tableDdl(shape.schema);
    await client.query(`CREATE TABLE "${shape.name}" (${ddl})`);
  }
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
  if (pid === undefined) throw new Error('no backend pid');
  return {
    client,
    backend: pid,
    close: async () => {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function main() {
  const args = parseHotPathArgs(process.argv.slice(2));
  const dir = join(ROOT, 'bench-data');
  mkdirSync(dir, { recursive: true });
  const shapes = args.shapes.map((name) => {
    const shape = FILE_SHAPES[name];
    if (shape === undefined) throw new Error(`unknown shape ${name}`);
    return shape;
  });
  const names = Object.keys(VARIANTS).filter(
    (name) =>
      (args.pg || name !== 'binary → COPY') &&
      (args.only.length === 0 || args.only.some((o) => name.includes(o))),
  );
  const db = args.pg ? await openDatabase(shapes) : null;
  try {
    for (const shape of shapes) {
      const path = join(dir, `${shape.name}-${sizeLabel(args.size)}.csv`);
      const csv = shape.ensure(path, args.size, args.regen);
      const header = shape.schema.columns.map((c) => c.name);
      const input: Input = {
        shape,
        csv,
        header,
        headerBytes: Buffer.byteLength(`${header.join(',')}\n`),
        piece: args.piece,
        db:
          db === null ? null : { client: db.client, backend: db.backend, table: `"${shape.name}"` },
      };
      console.log(`file ${csv.path}: ${csv.bytes.toLocaleString()} bytes, ${csv.records} records`);
      report(input, await measureShape(input, names, args.runs), args.runs);
    }
  } finally {
    await db?.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
