/**
 * The benchmark's other file shapes, beside the 12-column file of csv-generator.ts:
 *
 * - narrow: 7 short columns (~85 bytes a row) — integer id, a name quoted with a comma
 *   (and ~1 % with a newline), email, numeric, MM/DD/YYYY date, yes/no, nullable text.
 *   Per-row cost dominates here: 3 M rows in 256 MiB. (Types as inference finds them, so
 *   declared and inferred runs build the same table.)
 * - text: 5 columns (~1.2 KB a row) — long quoted free text with commas, doubled quotes
 *   and newlines. Bytes dominate here: the quote scanner and COPY's text path.
 *
 * Deterministic (seeded), each with its clean companion for psql (dates ISO,
 * booleans true/false) and a sidecar, as csv-generator.ts does.
 */
import type { TableSchema } from '@ingest/normalize';
import { seededRandom } from '@ingest/testing';
import { ensureGenerated, SEED, writeRows, type CsvFile } from './csv-generator';

const VERSION = 2;

type Random = () => number;

/** A row function with its own seeded draws. */
const rowsOf = (row: (id: number, rnd: Random) => [string, string]) => {
  const rnd = seededRandom(SEED);
  return (id: number) => row(id, rnd);
};

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
const NAMES = ['Smith, Anna', 'Müller, Bob', "O'Brien, Chloé", 'Nguyen, Hiro', 'García, José'];
const NOTES = ['', '', 'vip', 'call back', 'new', 'churned', 'trial'];

export const NARROW_SCHEMA: TableSchema = {
  columns: [
    { name: 'id', type: 'integer' },
    { name: 'name', type: 'text' },
    { name: 'email', type: 'text' },
    { name: 'amount', type: 'numeric' },
    { name: 'signup', type: 'date', format: 'MM/DD/YYYY' },
    { name: 'active', type: 'boolean' },
    { name: 'note', type: 'text' },
  ],
};

function narrowRow(id: number, rnd: Random): [string, string] {
  const int = (n: number) => Math.floor(rnd() * n);
  const name = NAMES[int(NAMES.length)] as string;
  const quoted = rnd() < 0.01 ? `"${name.replace(', ', ',\n')}"` : `"${name}"`;
  const cents = int(10_000_000);
  const m = 1 + int(12);
  const d = 1 + int(28);
  const y = 1990 + int(35);
  const yes = rnd() < 0.5;
  const note = NOTES[int(NOTES.length)] as string;
  const head = `${id},${quoted},u${id}@example.com,${Math.floor(cents / 100)}.${two(cents % 100)},`;
  return [
    `${head}${two(m)}/${two(d)}/${y},${yes ? 'yes' : 'no'},${note}\n`,
    `${head}${y}-${two(m)}-${two(d)},${yes ? 'true' : 'false'},${note}\n`,
  ];
}

export const ensureNarrowCsv = (path: string, size: number, regen: boolean): CsvFile =>
  ensureGenerated(path, size, regen, VERSION, (p, s) =>
    writeRows(p, s, 'id,name,email,amount,signup,active,note', rowsOf(narrowRow)),
  );

export const TEXT_SCHEMA: TableSchema = {
  columns: [
    { name: 'id', type: 'integer' },
    { name: 'author', type: 'text' },
    { name: 'posted_at', type: 'timestamptz' },
    { name: 'body', type: 'text' },
    { name: 'votes', type: 'integer' },
  ],
};

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at ' +
  'which but have an they you were her she there been one all we their has would when'
).split(' ');

/** A pool of paragraphs (200–2,000 characters, commas, "quotes" and newlines), drawn per row. */
function paragraphs(rnd: Random): string[] {
  return Array.from({ length: 4096 }, () => {
    const words: string[] = [];
    const target = 200 + Math.floor(rnd() * 1800);
    let length = 0;
    while (length < target) {
      let w = WORDS[Math.floor(rnd() * WORDS.length)] as string;
      const r = rnd();
      if (r < 0.06) w += ',';
      else if (r < 0.08) w = `"${w}"`;
      else if (r < 0.09) w += '.\n';
      words.push(w);
      length += w.length + 1;
    }
    // Trimmed: the pipeline trims cells by default, psql's COPY does not.
    return `"${words.join(' ').trim().replaceAll('"', '""')}"`;
  });
}

export const ensureTextCsv = (path: string, size: number, regen: boolean): CsvFile =>
  ensureGenerated(path, size, regen, VERSION, (p, s) => {
    const pool = paragraphs(seededRandom(SEED + 1));
    return writeRows(
      p,
      s,
      'id,author,posted_at,body,votes',
      rowsOf((id, rnd) => {
        const int = (n: number) => Math.floor(rnd() * n);
        const votes = rnd() < 0.3 ? '' : String(int(5000));
        const at = `2024-${two(1 + int(12))}-${two(1 + int(28))}T${two(int(24))}:${two(int(60))}:00Z`;
        const row = `${id},author${int(10_000)},${at},${pool[int(pool.length)]},${votes}\n`;
        return [row, row]; // nothing to convert: psql loads the same bytes
      }),
    );
  });
