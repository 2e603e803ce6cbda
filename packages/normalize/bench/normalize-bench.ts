/**
 * Micro benchmark of the normalization core beside a parse-only baseline.
 *
 *   npx tsx packages/normalize/bench/normalize-bench.ts [--rows 300000] [--runs 3]
 *
 * Generates (in memory, seeded) the benchmark file's 12-column shape: int id,
 * uuid, quoted "Last, First" names (1 % with an embedded newline), email,
 * decimal, ISO timestamp, MM/DD/YYYY date, yes/no, country, int, free text
 * with doubled quotes, and a column empty in 30 % of rows. Then, median of
 * --runs each, after one warm-up:
 *   parse       csv-parse over the bytes, records discarded (the baseline)
 *   parse+norm  the same parse, each record through normalizeRow
 *   norm        normalizeRow alone over pre-parsed records (the coercion cost)
 * MB = 10^6 bytes of CSV input.
 */
import { parse } from 'csv-parse/sync';
import { compileColumns, parseTableSchema } from '../src';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
};
const ROWS = arg('rows', 300_000);
const RUNS = arg('runs', 3);

/** mulberry32: the same bytes every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEADER =
  'id,uuid,name,email,amount,created_at,birth_date,active,country,score,comment,nullable';
const FIRST = ['Anna', 'Bob', 'Chloé', 'Dmitri', 'Eve', 'Fátima', 'Günter', 'Hiro', 'Inès', 'José'];
const LAST = ['Smith', 'Müller', "O'Brien", 'Nguyen', 'García', 'Kowalski', 'Li', 'Rossi'];
const COUNTRIES = ['US', 'DE', 'FR', 'JP', 'BR', 'IN', 'ES', 'IT', 'GB', 'MX'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'note', '"quoted"', 'lorem', 'ipsum', 'dolor'];

function generate(rows: number): Buffer {
  const rnd = prng(42);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += int(16).toString(16);
    return s;
  };
  const out: string[] = [HEADER];
  for (let id = 1; id <= rows; id++) {
    const fi = int(FIRST.length);
    const cents = int(1_000_000);
    let text = pick(WORDS);
    for (let w = int(6); w > 0; w--) text += ` ${pick(WORDS)}`;
    const comment = rnd() < 0.5 ? `"${text.replaceAll('"', '""')}, ok"` : text.replaceAll('"', '');
    out.push(
      [
        id,
        `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
        `"${pick(LAST)},${rnd() < 0.01 ? '\n' : ' '}${FIRST[fi]}"`,
        `${(FIRST[fi] as string).toLowerCase()}.${id}@example.com`,
        `${Math.floor(cents / 100)}.${two(cents % 100)}`,
        `2024-${two(1 + int(12))}-${two(1 + int(28))}T${two(int(24))}:34:56Z`,
        `${two(1 + int(12))}/${two(1 + int(28))}/${1940 + int(70)}`,
        rnd() < 0.5 ? 'yes' : 'no',
        pick(COUNTRIES),
        int(1000),
        comment,
        rnd() < 0.3 ? '' : String(int(100)),
      ].join(','),
    );
  }
  return Buffer.from(`${out.join('\n')}\n`, 'utf8');
}

const schema = parseTableSchema({
  columns: [
    { name: 'id', type: 'bigint', required: true },
    { name: 'uuid', type: 'uuid' },
    { name: 'name', type: 'text', transforms: ['trim', 'collapse_whitespace'] },
    { name: 'email', type: 'email' },
    { name: 'amount', type: 'numeric', precision: 12, scale: 2 },
    { name: 'created_at', type: 'timestamptz' },
    { name: 'birth_date', type: 'date', format: 'MM/DD/YYYY' },
    { name: 'active', type: 'boolean' },
    { name: 'country', type: 'text' },
    { name: 'score', type: 'integer' },
    { name: 'comment', type: 'text' },
    { name: 'nullable', type: 'integer' },
  ],
});

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function time(fn: () => number): { ms: number; count: number } {
  const t0 = process.hrtime.bigint();
  const count = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, count };
}

function main(): void {
  const data = generate(ROWS);
  const mb = data.length / 1e6;
  const normalizer = compileColumns(schema, HEADER.split(','));
  const options = { from_line: 2 };

  const parseOnly = () => {
    let n = 0;
    parse(data, { ...options, on_record: () => (n++, null) });
    return n;
  };
  let rejects = 0;
  const parseAndNormalize = () => {
    let n = 0;
    parse(data, {
      ...options,
      on_record: (record: string[]) => {
        n++;
        if (!normalizer.normalizeRow(record).ok) rejects++;
        return null;
      },
    });
    return n;
  };
  const records: string[][] = parse(data, options);
  const normalizeOnly = () => {
    let ok = 0;
    for (const record of records) if (normalizer.normalizeRow(record).ok) ok++;
    return ok;
  };

  const runs: Record<string, number[]> = { parse: [], 'parse+norm': [], norm: [] };
  const fns: [string, () => number][] = [
    ['parse', parseOnly],
    ['parse+norm', parseAndNormalize],
    ['norm', normalizeOnly],
  ];
  for (const [, fn] of fns) fn(); // warm-up: JIT and inline caches
  rejects = 0;
  for (let r = 0; r < RUNS; r++) {
    for (const [name, fn] of fns) {
      const { ms, count } = time(fn);
      if (count !== ROWS) throw new Error(`${name}: ${count} of ${ROWS} rows`);
      runs[name]?.push(ms);
    }
  }
  if (rejects !== 0)
    throw new Error(`${rejects} rows rejected; the generated data should all load`);

  console.log(
    `node ${process.version}, ${ROWS.toLocaleString('en')} rows, ${mb.toFixed(1)} MB, median of ${RUNS}`,
  );
  console.log('stage        ms      rows/s        MB/s');
  const row = (name: string) => {
    const ms = median(runs[name] ?? []);
    const line = `${name.padEnd(10)} ${ms.toFixed(0).padStart(6)} ${Math.round((ROWS / ms) * 1000)
      .toLocaleString('en')
      .padStart(11)} ${((mb / ms) * 1000).toFixed(1).padStart(11)}`;
    console.log(line);
    return ms;
  };
  const p = row('parse');
  const pn = row('parse+norm');
  const n = row('norm');
  console.log(
    `normalize cost / parse cost: ${(n / p).toFixed(2)} (alone), ${((pn - p) / p).toFixed(2)} (in the pipeline)`,
  );
  console.log(`parse+norm throughput vs parse-only: ${(p / pn).toFixed(2)}×`);
  const example = normalizer.normalizeRow(records[0] ?? []);
  console.log('row 1 →', JSON.stringify(example));
}

main();
