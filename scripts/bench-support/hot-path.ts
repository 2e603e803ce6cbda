/**
 * What the single-process benchmarks of the loader's hot path share
 * (scripts/bench-loader.ts, scripts/bench-copy-formats.ts): their flags, the
 * chunk task that reads the benchmark file as one chunk, and medians.
 */
import type { ChunkTask } from '@ingest/contracts';
import { sqlType } from '@ingest/normalize';
import { parseSize } from './args';
import { BENCH_SCHEMA, HEADER } from './csv-generator';

export interface HotPathArgs {
  size: number;
  runs: number;
  regen: boolean;
}

/** `[--size 256MiB] [--runs 3] [--regen]` */
export function parseHotPathArgs(argv: string[]): HotPathArgs {
  const args: HotPathArgs = { size: 256 * 1024 * 1024, runs: 3, regen: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--') continue;
    if (flag === '--regen') {
      args.regen = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    if (flag === '--size') args.size = parseSize(value);
    else if (flag === '--runs') args.runs = Math.max(1, Number(value) || 1);
    else throw new Error(`unknown argument ${flag}`);
  }
  return args;
}

export const benchHeader = HEADER.split(',');
export const headerBytes = Buffer.byteLength(`${HEADER}\n`);

/** The whole benchmark file (after its header, up to `end`) as one chunk of a direct load. */
export const wholeFileTask = (end: number): ChunkTask => ({
  type: 'chunk.load',
  version: 1,
  jobId: '00000000-0000-4000-8000-000000000000',
  chunkIndex: 0,
  objectKey: 'bench',
  range: { start: headerBytes, end },
  firstLine: 2,
  records: 0,
  invalidUtf8: false,
  dialect: { delimiter: ',', quote: '"', header: true },
  targetSchema: 'public',
  table: 'bench',
  columns: benchHeader,
  columnTypes: BENCH_SCHEMA.columns.map((c) => sqlType(c)),
  schemaVersion: 2,
  schema: BENCH_SCHEMA,
  header: benchHeader,
  load: { kind: 'direct' },
});

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
