/**
 * The benchmark's test file: 12 mixed columns (int id, uuid, quoted names with
 * commas and ~1 % embedded newlines, email, decimal, ISO timestamp,
 * MM/DD/YYYY date, yes/no boolean, country, int, free text with doubled
 * quotes, a nullable column empty ~30 % of the time). Deterministic (seeded
 * PRNG), written in multi-MiB Buffers, then renamed into place, with a sidecar
 * JSON holding the record count so a reused file is still verified.
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

const GENERATOR_VERSION = 1;
const SEED = 42;
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
  /** Data records (header excluded); null for a reused file without its sidecar. */
  records: number | null;
  generated: boolean;
  generateSeconds: number | null;
}

interface Sidecar {
  version: number;
  seed: number;
  bytes: number;
  records: number;
}

/** Writes `path` (≥ `size` bytes, ending on a record boundary); returns the record count. */
export function generateCsv(path: string, size: number): { bytes: number; records: number } {
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

  const tmp = `${path}.partial`;
  const fd = openSync(tmp, 'w');
  let written = 0;
  let id = 0;
  try {
    const rows: string[] = [`${HEADER}\n`];
    let chars = rows[0]?.length ?? 0;
    const flush = () => {
      const buf = Buffer.from(rows.join(''), 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off);
      written += buf.length;
      rows.length = 0;
      chars = 0;
    };
    // `chars` undercounts multi-byte UTF-8, so the exact check happens on the written bytes.
    while (written + chars < size) {
      id++;
      const fi = int(FIRST.length);
      const cents = int(1_000_000);
      const nullable = rnd() < 0.3 ? '' : String(int(100));
      const row =
        `${id},${hex32()}-${hex32().slice(4)}-4${hex32().slice(5)}-a${hex32().slice(5)}-${hex32()}${hex32().slice(4)},` +
        `"${pick(LAST)},${rnd() < 0.01 ? '\n' : ' '}${FIRST[fi]}",${firstLower[fi]}.${id}@example.com,` +
        `${Math.floor(cents / 100)}.${two(cents % 100)},${isoDay[int(isoDay.length)]}${hours[int(24)]},` +
        `${usDay[int(usDay.length)]}${1940 + int(70)},${rnd() < 0.5 ? 'yes' : 'no'},${pick(COUNTRIES)},` +
        `${int(1000)},${comments[int(comments.length)]},${nullable}\n`;
      rows.push(row);
      chars += row.length;
      if (chars >= WRITE_CHARS) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { bytes: written, records: id };
}

/** Reuses `path` when it and its sidecar match this generator; otherwise generates it. */
export function ensureCsv(path: string, size: number, regen: boolean): CsvFile {
  const sidecarPath = `${path}.json`;
  if (!regen && existsSync(path)) {
    const bytes = statSync(path).size;
    let records: number | null = null;
    if (existsSync(sidecarPath)) {
      const meta = JSON.parse(readFileSync(sidecarPath, 'utf8')) as Sidecar;
      if (meta.version === GENERATOR_VERSION && meta.bytes === bytes) records = meta.records;
    }
    return { path, bytes, records, generated: false, generateSeconds: null };
  }
  const t0 = performance.now();
  const { bytes, records } = generateCsv(path, size);
  const generateSeconds = (performance.now() - t0) / 1000;
  const meta: Sidecar = { version: GENERATOR_VERSION, seed: SEED, bytes, records };
  writeFileSync(sidecarPath, `${JSON.stringify(meta, null, 2)}\n`);
  return { path, bytes, records, generated: true, generateSeconds };
}
