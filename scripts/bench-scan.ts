/**
 * Benchmarks the record-boundary scan against the machine's read limits.
 *
 *   npx tsx scripts/bench-scan.ts [--size 512MiB] [--file path] [--runs 3] [--regen]
 *
 * Without --file it generates (once, then reuses) bench-data/scan-<size>.csv:
 * 12 mixed columns, quoted names with commas and ~1 % embedded newlines,
 * free text with doubled quotes. Reports the median of N runs of
 * `cat file > /dev/null`, a bare fs.createReadStream read (a new Buffer per piece), the
 * same pieces read into one reused Buffer (FileHandle.read), and the
 * ChunkPlanner scan streamed through createReadStream (1 MiB pieces,
 * 32 MiB target chunks; includes the per-chunk UTF-8 check). MB = 10^6 bytes.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ChunkPlanner } from '@ingest/csv';
import { seededRandom } from '@ingest/testing';

const MIB = 1024 * 1024;
const PIECE_BYTES = MIB;
const TARGET_CHUNK_BYTES = 32 * MIB;

interface Args {
  size: number;
  file: string | undefined;
  runs: number;
  regen: boolean;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)?$/i.exec(text.trim());
  if (m === null) throw new Error(`cannot parse size "${text}" (try 512MiB, 1GiB, 100MB)`);
  const units: Record<string, number> = {
    b: 1,
    kib: 1024,
    mib: MIB,
    gib: 1024 * MIB,
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
  };
  return Math.round(Number(m[1]) * (units[(m[2] ?? 'b').toLowerCase()] ?? 1));
}

function parseArgs(argv: string[]): Args {
  const args: Args = { size: 512 * MIB, file: undefined, runs: 3, regen: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--regen') {
      args.regen = true;
      continue;
    }
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    if (flag === '--size') args.size = parseSize(value);
    else if (flag === '--file') args.file = resolve(value);
    else if (flag === '--runs') args.runs = Math.max(1, Math.floor(Number(value)) || 1);
    else throw new Error(`unknown argument ${flag}`);
    i++;
  }
  return args;
}

const FIRST = ['Anna', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Fátima', 'Günter', 'Hiro', 'Inès', 'José'];
const LAST = ['Smith', 'Müller', "O'Brien", 'Nguyen', 'García', 'Kowalski', 'Li', 'Rossi'];
const COUNTRIES = ['US', 'DE', 'FR', 'JP', 'BR', 'IN', 'ES', 'IT', 'GB', 'MX'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'note', '"quoted"', 'lorem', 'ipsum', 'dolor'];

function generate(path: string, size: number): number {
  const rnd = seededRandom(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const hex = (digits: number): string =>
    Math.floor(rnd() * 16 ** digits)
      .toString(16)
      .padStart(digits, '0');
  const two = (n: number): string => String(n).padStart(2, '0');

  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  let written = writeSync(
    fd,
    'id,uuid,name,email,amount,created_at,birth_date,active,country,score,comment,nullable\n',
  );
  let id = 0;
  while (written < size) {
    let batch = '';
    for (let k = 0; k < 2000; k++) {
      id++;
      const first = pick(FIRST);
      const last = pick(LAST);
      const name = `"${last},${rnd() < 0.01 ? '\n' : ' '}${first}"`;
      let text = pick(WORDS);
      for (let w = Math.floor(rnd() * 6); w > 0; w--) text += ` ${pick(WORDS)}`;
      const comment =
        rnd() < 0.5 ? `"${text.replaceAll('"', '""')}, ok"` : text.replaceAll('"', '');
      batch +=
        `${id},${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(8)}${hex(4)},${name},` +
        `${first.toLowerCase()}.${id}@example.com,${(rnd() * 10000).toFixed(2)},` +
        `2024-${two(1 + Math.floor(rnd() * 12))}-${two(1 + Math.floor(rnd() * 28))}T${two(Math.floor(rnd() * 24))}:34:56Z,` +
        `${two(1 + Math.floor(rnd() * 12))}/${two(1 + Math.floor(rnd() * 28))}/${1940 + Math.floor(rnd() * 70)},` +
        `${rnd() < 0.5 ? 'yes' : 'no'},${pick(COUNTRIES)},${Math.floor(rnd() * 1000)},${comment},` +
        `${rnd() < 0.3 ? '' : Math.floor(rnd() * 100)}\n`;
    }
    written += writeSync(fd, batch);
  }
  closeSync(fd);
  renameSync(tmp, path);
  return id;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timed(run: () => Promise<void> | void): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function catToDevNull(file: string): void {
  const result = spawnSync('sh', ['-c', 'cat "$1" > /dev/null', 'sh', file], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`cat exited with ${result.status}`);
}

async function readOnly(file: string): Promise<void> {
  let bytes = 0;
  for await (const piece of createReadStream(file, { highWaterMark: PIECE_BYTES })) {
    bytes += (piece as Buffer).length;
  }
  if (bytes === 0) throw new Error('read nothing');
}

/** The same pieces into one Buffer: what a fresh Buffer per piece costs beyond the copy. */
async function readReused(file: string): Promise<void> {
  const handle = await open(file, 'r');
  const buffer = Buffer.allocUnsafe(PIECE_BYTES);
  let bytes = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, PIECE_BYTES, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
    }
  } finally {
    await handle.close();
  }
  if (bytes === 0) throw new Error('read nothing');
}

interface ScanResult {
  chunks: number;
  records: number;
}

async function scan(file: string): Promise<ScanResult> {
  const planner = new ChunkPlanner({
    targetChunkBytes: TARGET_CHUNK_BYTES,
    quote: 0x22,
    delimiter: 0x2c,
    maxRecordBytes: 16 * MIB,
    header: true,
  });
  let chunks = 0;
  for await (const piece of createReadStream(file, { highWaterMark: PIECE_BYTES })) {
    chunks += planner.push(piece as Buffer).length;
  }
  chunks += planner.finish().length;
  return { chunks, records: planner.recordsFound };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let file = args.file;
  let generatedRecords: number | undefined;
  if (file === undefined) {
    const dir = resolve(__dirname, '..', 'bench-data');
    mkdirSync(dir, { recursive: true });
    file = join(dir, `scan-${args.size}.csv`);
    if (args.regen || !existsSync(file)) {
      process.stdout.write(`generating ${file} ... `);
      const seconds = await timed(() => {
        generatedRecords = generate(file as string, args.size);
      });
      process.stdout.write(`${generatedRecords} records in ${seconds.toFixed(1)} s\n`);
    }
  }
  const bytes = statSync(file).size;
  const mb = bytes / 1e6;
  console.log(`file ${file}: ${(bytes / MIB).toFixed(0)} MiB, median of ${args.runs} runs`);

  catToDevNull(file); // warm the page cache so every method reads from memory
  const rates: Record<string, number[]> = { cat: [], read: [], reused: [], scan: [] };
  let result: ScanResult = { chunks: 0, records: 0 };
  for (let run = 0; run < args.runs; run++) {
    rates.cat?.push(mb / (await timed(() => catToDevNull(file))));
    rates.read?.push(mb / (await timed(() => readOnly(file))));
    rates.reused?.push(mb / (await timed(() => readReused(file))));
    rates.scan?.push(
      mb /
        (await timed(async () => {
          result = await scan(file);
        })),
    );
  }

  const cat = median(rates.cat ?? []);
  const read = median(rates.read ?? []);
  const scanRate = median(rates.scan ?? []);
  // The scan's own CPU cost, with the read's cost subtracted (t_scan - t_read).
  const scanCpu = 1 / (1 / scanRate - 1 / read);
  const row = (name: string, rate: number): string =>
    `| ${name.padEnd(44)} | ${rate.toFixed(0).padStart(7)} | ${(rate / cat).toFixed(2).padStart(10)} |`;
  console.log(`| ${'method'.padEnd(44)} | ${'MB/s'.padStart(7)} | ${'ratio/cat'.padStart(10)} |`);
  console.log(`|${'-'.repeat(46)}|${'-'.repeat(9)}|${'-'.repeat(12)}|`);
  console.log(row('cat file > /dev/null', cat));
  console.log(row('fs.createReadStream (1 MiB pieces)', read));
  console.log(row('FileHandle.read into one reused 1 MiB Buffer', median(rates.reused ?? [])));
  console.log(row('ChunkPlanner scan (stream, 32 MiB chunks)', scanRate));
  console.log(
    row(
      '  derived: scan CPU alone (t_scan - t_read)',
      Number.isFinite(scanCpu) && scanCpu > 0 ? scanCpu : 0,
    ),
  );
  console.log(
    `runs MB/s: cat ${fmt(rates.cat)}; read ${fmt(rates.read)}; reused ${fmt(rates.reused)}; ` +
      `scan ${fmt(rates.scan)}`,
  );
  console.log(
    `scan found ${result.records} data records in ${result.chunks} chunks` +
      (generatedRecords === undefined ? '' : ` (generated ${generatedRecords})`),
  );
}

function fmt(values: number[] | undefined): string {
  return (values ?? []).map((v) => v.toFixed(0)).join(', ');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
