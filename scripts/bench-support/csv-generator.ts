/**
 * The benchmark's test file: 12 mixed columns (int id, uuid, quoted names with
 * commas and ~1 % embedded newlines, email, decimal, ISO timestamp,
 * MM/DD/YYYY date, yes/no boolean, country, int, free text with doubled
 * quotes, a nullable column empty ~30 % of the time). Deterministic (seeded
 * PRNG), written in small batches, then renamed into place, with a sidecar
 * JSON holding the record count so a reused file is still verified.
 *
 * Next to it, from the same draws, `<name>.clean.csv`: the same rows with
 * birth_date as ISO YYYY-MM-DD and active as true/false, i.e. what psql's
 * COPY accepts into the typed table without any conversion (the baseline).
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import { writeFileSync, writeSync } from 'node:fs';
import type { TableSchema } from '@ingest/normalize';
import { seededRandom } from '@ingest/testing';

export const HEADER =
  'id,uuid,name,email,amount,created_at,birth_date,active,country,score,comment,nullable';

/** The file's columns as a declared schema (the same types inference finds). */
export const BENCH_SCHEMA: TableSchema = {
  columns: [
    { name: 'id', type: 'integer' },
    { name: 'uuid', type: 'uuid' },
    { name: 'name', type: 'text' },
    { name: 'email', type: 'text' },
    { name: 'amount', type: 'numeric' },
    { name: 'created_at', type: 'timestamptz' },
    { name: 'birth_date', type: 'date', format: 'MM/DD/YYYY' },
    { name: 'active', type: 'boolean' },
    { name: 'country', type: 'text' },
    { name: 'score', type: 'integer' },
    { name: 'comment', type: 'text' },
    { name: 'nullable', type: 'integer' },
  ],
};

/** 2: the clean companion file; the raw file's bytes are unchanged from 1. */
const GENERATOR_VERSION = 2;
export const SEED = 42;
/** Rows are joined and written once this many characters have accumulated (small enough that
 * the row strings die young: 8 MiB batches spent half the time in the garbage collector). */
const WRITE_CHARS = 256 * 1024;

const FIRST = ['Anna', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Fátima', 'Günter', 'Hiro', 'Inès', 'José'];
const LAST = ['Smith', 'Müller', "O'Brien", 'Nguyen', 'García', 'Kowalski', 'Li', 'Rossi'];
const COUNTRIES = ['US', 'DE', 'FR', 'JP', 'BR', 'IN', 'ES', 'IT', 'GB', 'MX'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'note', '"quoted"', 'lorem', 'ipsum', 'dolor'];

export interface CsvFile {
  path: string;
  bytes: number;
  /** Data records (header excluded), in both files. */
  records: number;
  /** The same rows with ISO dates and true/false booleans. */
  cleanPath: string;
  cleanBytes: number;
  generated: boolean;
  generateSeconds: number | null;
}

interface Sidecar {
  version: number;
  seed: number;
  bytes: number;
  cleanBytes: number;
  records: number;
}

/** `bench-data/pipeline-1GiB.csv` → `bench-data/pipeline-1GiB.clean.csv`. */
export function cleanPathFor(path: string): string {
  return `${path.replace(/\.csv$/i, '')}.clean.csv`;
}

/** `<path>.partial`, written by `write`; `commit` (after `close`) renames it into place. */
export function partialFile(path: string) {
  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  return {
    get bytes() {
      return bytes;
    },
    write(text: string): void {
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off);
      bytes += buf.length;
    },
    close(): void {
      closeSync(fd);
    },
    commit(): void {
      renameSync(tmp, path);
    },
  };
}

/**
 * Writes `path` (≥ `size` bytes, ending on a record boundary) and its clean
 * companion (same rows); returns both sizes and the record count.
 */
export function generateCsv(path: string, size: number): Generated {
  const rnd = seededRandom(SEED);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
  // Lookup tables keep the per-row work to a few random draws and one template string.
  const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
  const hex32 = (): string => {
    const v = (rnd() * 4294967296) >>> 0;
    return (HEX[v >>> 24] as string) + HEX[(v >>> 16) & 255] + HEX[(v >>> 8) & 255] + HEX[v & 255];
  };
  const MONTH_DAY = Array.from({ length: 12 * 28 }, (_, i) => [
    1 + Math.floor(i / 28),
    1 + (i % 28),
  ]);
  const isoDay = MONTH_DAY.map(([m, d]) => `2024-${two(m as number)}-${two(d as number)}T`);
  const usDay = MONTH_DAY.map(([m, d]) => `${two(m as number)}/${two(d as number)}/`);
  const hours = Array.from({ length: 24 }, (_, h) => `${two(h)}:34:56Z`);
  const firstLower = FIRST.map((f) => f.toLowerCase());
  // Free text: a large pool of random word runs, half of them quoted with a comma and doubled quotes.
  const comments = Array.from({ length: 1 << 16 }, () => {
    let text = pick(WORDS);
    for (let w = int(6); w > 0; w--) text += ` ${pick(WORDS)}`;
    return rnd() < 0.5 ? `"${text.replaceAll('"', '""')}, ok"` : text.replaceAll('"', '');
  });

  // The two files differ only in birth_date and active; everything else is shared text.
  const isoMonthDay = MONTH_DAY.map(([m, d]) => `-${two(m as number)}-${two(d as number)}`);

  return writeRows(path, size, HEADER, (id) => {
    const fi = int(FIRST.length);
    const cents = int(1_000_000);
    const nullable = rnd() < 0.3 ? '' : String(int(100));
    // Draws in the order of generator version 1, so the raw file stays byte-identical.
    const head =
      `${id},${hex32()}-${hex32().slice(4)}-4${hex32().slice(5)}-a${hex32().slice(5)}-${hex32()}${hex32().slice(4)},` +
      `"${pick(LAST)},${rnd() < 0.01 ? '\n' : ' '}${FIRST[fi]}",${firstLower[fi]}.${id}@example.com,` +
      `${Math.floor(cents / 100)}.${two(cents % 100)},${isoDay[int(isoDay.length)]}${hours[int(24)]},`;
    const md = int(MONTH_DAY.length);
    const year = 1940 + int(70);
    const yes = rnd() < 0.5;
    const tail = `,${pick(COUNTRIES)},${int(1000)},${comments[int(comments.length)]},${nullable}\n`;
    return [
      `${head}${usDay[md]}${year},${yes ? 'yes' : 'no'}${tail}`,
      `${head}${year}${isoMonthDay[md]},${yes ? 'true' : 'false'}${tail}`,
    ];
  });
}

/**
 * Writes header + rows to `path` and its clean companion until `size` bytes (ending on a
 * record boundary): `row` gives each record as raw text and its clean twin.
 */
export function writeRows(
  path: string,
  size: number,
  header: string,
  row: (id: number) => [raw: string, clean: string],
): Generated {
  const cleanPath = cleanPathFor(path);
  const raw = partialFile(path);
  const clean = partialFile(cleanPath);
  let id = 0;
  try {
    const rawRows: string[] = [`${header}\n`];
    const cleanRows: string[] = [`${header}\n`];
    let chars = header.length + 1;
    const flush = () => {
      raw.write(rawRows.join(''));
      clean.write(cleanRows.join(''));
      rawRows.length = 0;
      cleanRows.length = 0;
      chars = 0;
    };
    // `chars` undercounts multi-byte UTF-8, so the exact check happens on the written bytes.
    while (raw.bytes + chars < size) {
      id++;
      const [r, c] = row(id);
      rawRows.push(r);
      cleanRows.push(c);
      chars += r.length;
      if (chars >= WRITE_CHARS) flush();
    }
    flush();
  } finally {
    raw.close();
    clean.close();
  }
  // The clean file first: a raw file in place never lacks its companion.
  clean.commit();
  raw.commit();
  return { bytes: raw.bytes, records: id, cleanPath, cleanBytes: clean.bytes };
}

/** What a generator wrote: the raw file's size and records, its clean companion. */
export interface Generated {
  bytes: number;
  records: number;
  cleanPath: string;
  cleanBytes: number;
}

/**
 * Reuses `path` and its clean companion when the sidecar says this generator
 * (by `version`) wrote both and both sizes match; otherwise runs `generate`.
 */
export function ensureGenerated(
  path: string,
  size: number,
  regen: boolean,
  version: number,
  generate: (path: string, size: number) => Generated,
): CsvFile {
  const sidecarPath = `${path}.json`;
  const cleanPath = cleanPathFor(path);
  if (!regen && existsSync(path) && existsSync(cleanPath) && existsSync(sidecarPath)) {
    const bytes = statSync(path).size;
    const cleanBytes = statSync(cleanPath).size;
    const meta = JSON.parse(readFileSync(sidecarPath, 'utf8')) as Partial<Sidecar>;
    if (
      meta.version === version &&
      meta.bytes === bytes &&
      meta.cleanBytes === cleanBytes &&
      typeof meta.records === 'number'
    ) {
      const records = meta.records;
      return {
        path,
        bytes,
        records,
        cleanPath,
        cleanBytes,
        generated: false,
        generateSeconds: null,
      };
    }
  }
  const t0 = performance.now();
  const { bytes, records, cleanBytes } = generate(path, size);
  const generateSeconds = (performance.now() - t0) / 1000;
  const meta: Sidecar = { version, seed: SEED, bytes, cleanBytes, records };
  writeFileSync(sidecarPath, `${JSON.stringify(meta, null, 2)}\n`);
  return { path, bytes, records, cleanPath, cleanBytes, generated: true, generateSeconds };
}

/** The 12-column file (see the top of this file), generated once per size. */
export const ensureCsv = (path: string, size: number, regen: boolean): CsvFile =>
  ensureGenerated(path, size, regen, GENERATOR_VERSION, generateCsv);
