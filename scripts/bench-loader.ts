/**
 * The loader's hot path alone (no storage, no database), one process, one core:
 * how fast CSV bytes become COPY text, beside the parsers it was chosen over.
 *
 *   npx tsx scripts/bench-loader.ts [--size 256MiB] [--runs 3] [--regen]
 *
 * Uses bench-data/pipeline-<size>.csv (the pipeline benchmark's file: 12
 * mixed columns, quoted names with commas and ~1 % newlines, MM/DD/YYYY dates,
 * yes/no booleans, nullable column) with its declared schema, streamed from
 * the page cache in 64 KiB pieces (what an S3 GET delivers). Variants:
 *
 *   csv-parse only            the former loader's parser, records counted
 *   csv-parse + normalize     the former loader: csv-parse, normalizeRow, encodeCopyTextRow
 *   reader only               CsvRecordReader, records counted
 *   encoder (text)            the loader now: CopyEncoder (reader, byte paths, COPY writer), text format
 *   encoder (binary)          the same, writing COPY binary format
 *
 * Prints the median MB/s of each, CPU seconds per GiB and the ratio to the
 * former loader. MB = 10^6 bytes.
 */
import { parse } from 'csv-parse';
import { createReadStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvRecordReader } from '@ingest/csv';
import { encodeCopyTextRow } from '@ingest/pg-copy';
import { compileColumns } from '@ingest/normalize';
import { CopyEncoder } from '@ingest/loader';
import { BENCH_SCHEMA, ensureCsv } from './bench-support/csv-generator';
import {
  benchHeader,
  headerBytes,
  median,
  parseHotPathArgs,
  wholeFileTask,
} from './bench-support/hot-path';

const ROOT = resolve(__dirname, '..');
const PIECE = 64 * 1024;

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

const source = (file: string) =>
  createReadStream(file, { start: headerBytes, highWaterMark: PIECE });

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

type Variant = (file: string, bytes: number) => Promise<number>;

const VARIANTS: Record<string, Variant> = {
  'csv-parse only': async (file) => {
    const sink = new Sink();
    await pipeline(source(file), csvParse(), sink);
    return sink.count;
  },
  'csv-parse + normalize': async (file) => {
    const normalizer = compileColumns(BENCH_SCHEMA, benchHeader);
    const sink = new Sink();
    let rows = 0;
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
            sink.bytes += Buffer.from(pending.join('')).length;
            pending = [];
            pendingChars = 0;
          }
        }
        cb();
      },
    });
    await pipeline(source(file), csvParse(), encode);
    return rows;
  },
  'reader only': async (file) => {
    const reader = new CsvRecordReader({ delimiter: 0x2c, quote: 0x22, skipBom: false });
    let records = 0;
    const count = () => {
      records++;
    };
    for await (const piece of source(file)) reader.push(piece as Buffer, count);
    reader.finish(count);
    return records;
  },
  'encoder (text)': async (file, bytes) => {
    const encoder = new CopyEncoder(wholeFileTask(bytes), 'text');
    const sink = new Sink();
    await pipeline(source(file), encoder, sink);
    return encoder.loaded;
  },
  'encoder (binary)': async (file, bytes) => {
    const encoder = new CopyEncoder(wholeFileTask(bytes), 'binary');
    const sink = new Sink();
    await pipeline(source(file), encoder, sink);
    return encoder.loaded;
  },
};

async function main() {
  const args = parseHotPathArgs(process.argv.slice(2));
  const dir = join(ROOT, 'bench-data');
  mkdirSync(dir, { recursive: true });
  const label = `${Math.round(args.size / 1024 / 1024)}MiB`;
  const csv = ensureCsv(join(dir, `pipeline-${label}.csv`), args.size, args.regen);
  const mb = (csv.bytes - headerBytes) / 1e6;
  console.log(`file ${csv.path}: ${csv.bytes.toLocaleString()} bytes, ${csv.records} records`);
  const results: Record<string, { mbps: number[]; cpu: number[] }> = {};
  for (let run = 0; run < args.runs; run++) {
    for (const [name, variant] of Object.entries(VARIANTS)) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const rows = await variant(csv.path, csv.bytes);
      const seconds = (performance.now() - t0) / 1000;
      const used = process.cpuUsage(cpu0);
      if (csv.records !== null && rows !== csv.records) {
        throw new Error(`${name}: ${rows} rows, expected ${csv.records}`);
      }
      const entry = (results[name] ??= { mbps: [], cpu: [] });
      entry.mbps.push(mb / seconds);
      entry.cpu.push(((used.user + used.system) / 1e6) * (1073.741824 / mb));
      console.log(`run ${run + 1} ${name.padEnd(22)} ${(mb / seconds).toFixed(1)} MB/s`);
    }
  }
  const baseline = median(results['csv-parse + normalize']?.mbps ?? [1]);
  console.log(`\nmedian of ${args.runs} runs, ${mb.toFixed(0)} MB, one process:`);
  console.log('variant                 MB/s   CPU-s/GiB   ÷ former loader');
  for (const [name, r] of Object.entries(results)) {
    const m = median(r.mbps);
    console.log(
      `${name.padEnd(22)} ${m.toFixed(1).padStart(6)} ${median(r.cpu).toFixed(1).padStart(10)}   ${(m / baseline).toFixed(2)}×`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
