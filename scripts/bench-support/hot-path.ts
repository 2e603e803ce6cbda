/**
 * What the single-process benchmarks of the loader's hot path share
 * (scripts/bench-loader.ts, scripts/bench-copy-formats.ts): their flags, the
 * chunk task that reads the benchmark file as one chunk, and medians.
 */
import type { ChunkTask } from '@ingest/contracts';
import { sqlType, type TableSchema } from '@ingest/normalize';
import { parseSize } from './args';
import { BENCH_SCHEMA, HEADER } from './csv-generator';

export interface HotPathArgs {
  size: number;
  runs: number;
  regen: boolean;
  /** File shapes (bench-pipeline/file-shapes.ts names); default `mixed`. */
  shapes: string[];
  /** Only the variants whose name contains one of these; empty: all. */
  only: string[];
  /** Also COPY the encoder's output into Postgres (bench-loader.ts). */
  pg: boolean;
  /** Bytes per read of the file: 64 KiB is what an S3 GET delivers, 256 KiB the fs store's reads. */
  piece: number;
}

/** `[--size 256MiB] [--runs 3] [--regen] [--shape mixed,narrow] [--only encoder,reader] [--pg] [--piece 64KiB]` */
export function parseHotPathArgs(argv: string[]): HotPathArgs {
  const args: HotPathArgs = {
    size: 256 * 1024 * 1024,
    runs: 3,
    regen: false,
    shapes: ['mixed'],
    only: [],
    pg: false,
    piece: 64 * 1024,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--') continue;
    if (flag === '--regen' || flag === '--pg') {
      args[flag === '--pg' ? 'pg' : 'regen'] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    if (flag === '--size') args.size = parseSize(value);
    else if (flag === '--runs') args.runs = Math.max(1, Number(value) || 1);
    else if (flag === '--shape') args.shapes = value.split(',');
    else if (flag === '--only') args.only = value.split(',');
    else if (flag === '--piece') args.piece = parseSize(value);
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

export const benchHeader = HEADER.split(',');
export const headerBytes = Buffer.byteLength(`${HEADER}\n`);

/**
 * A file (after its header line of `headerLength` bytes, up to `end`) as one chunk of a
 * direct load; by default the 12-column benchmark file.
 */
export const wholeFileTask = (
  end: number,
  schema: TableSchema = BENCH_SCHEMA,
  header: string[] = benchHeader,
): ChunkTask => ({
  type: 'chunk.load',
  version: 1,
  jobId: '00000000-0000-4000-8000-000000000000',
  chunkIndex: 0,
  objectKey: 'bench',
  range: { start: Buffer.byteLength(`${header.join(',')}\n`), end },
  firstLine: 2,
  records: 0,
  invalidUtf8: false,
  dialect: { delimiter: ',', quote: '"', header: true },
  targetSchema: 'public',
  table: 'bench',
  columns: header,
  columnTypes: schema.columns.map((c) => sqlType(c)),
  schemaVersion: 2,
  schema,
  header,
  load: { kind: 'direct' },
});

/** The column list of a typed table for `schema`, as the splitter would create it. */
export const tableDdl = (schema: TableSchema): string =>
  schema.columns.map((c) => `"${c.name}" ${sqlType(c)}`).join(', ');

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
