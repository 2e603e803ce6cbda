/**
 * The kinds of file the benchmark loads. A shape says how its file is made (the
 * raw file and its pre-cleaned copy for psql), which table every loader must end
 * up with, and what the baselines need to load it. A new shape is one more entry.
 */
import type { TableSchema } from '@ingest/normalize';
import { BENCH_SCHEMA, ensureCsv, type CsvFile } from '../bench-support/csv-generator';
import {
  ensureNarrowCsv,
  ensureTextCsv,
  NARROW_SCHEMA,
  TEXT_SCHEMA,
} from '../bench-support/shape-generators';

export interface FileShape {
  /** File name stem: bench-data/<name>-<size>.csv. */
  name: string;
  /** What the file holds, for the report. */
  description: string;
  /** What the clean copy changes, for the report. */
  cleanDescription: string;
  /** The typed table the pipeline must produce; psql's and the peers' tables get its DDL. */
  schema: TableSchema;
  /** An integer column the row check sums. */
  idColumn: string;
  /** A column with empty cells, whose non-null count the row check compares. */
  nullableColumn: string;
  /** pgloader field options by column: the conversions the raw file needs. */
  pgloaderFields: Record<string, string>;
  /** DuckDB SQL expressions by column over the file's text fields: the same conversions. */
  duckdbColumns: Record<string, string>;
  /** More `read_csv` options the file needs, e.g. `parallel = false`. */
  duckdbRead?: string;
  /** Generates (or reuses) the raw file of at least `size` bytes and its clean copy. */
  ensure(path: string, size: number, regen: boolean): CsvFile;
}

/** DuckDB: `MM/DD/YYYY` → ISO date, yes/no → true/false (what the clean copy holds). */
const US_DATE = (c: string) => `strftime(strptime("${c}", '%m/%d/%Y'), '%Y-%m-%d')`;
const YES_NO = (c: string) =>
  `CASE lower("${c}") WHEN 'yes' THEN 'true' WHEN 'no' THEN 'false' ELSE "${c}" END`;

/** 12 mixed columns, quoted names with commas and newlines, US dates and yes/no. */
export const MIXED_SHAPE: FileShape = {
  name: 'pipeline',
  description: '12 columns',
  cleanDescription: 'ISO dates, true/false',
  schema: BENCH_SCHEMA,
  idColumn: 'id',
  nullableColumn: 'nullable',
  // yes/no go through as text, which PostgreSQL's boolean accepts.
  pgloaderFields: {
    birth_date: "[date format 'MM/DD/YYYY']",
    nullable: '[null if blanks]',
  },
  duckdbColumns: {
    birth_date: US_DATE('birth_date'),
    active: YES_NO('active'),
  },
  ensure: ensureCsv,
};

/** 7 short columns (~85 bytes a row): the per-row cost shows. */
export const NARROW_SHAPE: FileShape = {
  name: 'narrow',
  description: '7 short columns',
  cleanDescription: 'ISO dates, true/false',
  schema: NARROW_SCHEMA,
  idColumn: 'id',
  nullableColumn: 'note',
  pgloaderFields: { signup: "[date format 'MM/DD/YYYY']", note: '[null if blanks]' },
  duckdbColumns: { signup: US_DATE('signup'), active: YES_NO('active') },
  ensure: ensureNarrowCsv,
};

/**
 * The narrow file with more of the types a user would declare for it: `email` validated,
 * `note` an enum, `signup` a timestamptz read in its format and a zone (the hot-path
 * benchmark's; the pipeline's shapes are the three above).
 */
export const NARROW_TYPED_SHAPE: FileShape = {
  ...NARROW_SHAPE,
  name: 'narrow-typed',
  description: '7 short columns, email, enum and zoned timestamp declared',
  schema: {
    timezone: 'America/New_York',
    columns: NARROW_SCHEMA.columns.map((c) => {
      if (c.name === 'email') return { ...c, type: 'email' };
      if (c.name === 'signup') return { ...c, type: 'timestamptz' };
      if (c.name !== 'note') return c;
      const notes = ['vip', 'call back', 'new', 'churned', 'trial'];
      return { ...c, type: 'enum', values: Object.fromEntries(notes.map((n) => [n, n])) };
    }),
  },
};

/** Long quoted free text (~1.2 KB a row): the bytes show. */
export const TEXT_SHAPE: FileShape = {
  name: 'text',
  description: '5 columns, long quoted free text',
  cleanDescription: 'identical (nothing to convert)',
  schema: TEXT_SCHEMA,
  idColumn: 'id',
  nullableColumn: 'votes',
  pgloaderFields: { votes: '[null if blanks]' },
  duckdbColumns: {},
  // DuckDB's parallel reader fails on this file from 1 GiB on ("Expected Number of Columns: 5
  // Found: 4" at a line inside a quoted field): its threads cannot tell where records start
  // among so many quoted newlines. Read by one thread, it loads.
  duckdbRead: 'parallel = false',
  ensure: ensureTextCsv,
};

export const FILE_SHAPES: Record<string, FileShape> = {
  mixed: MIXED_SHAPE,
  narrow: NARROW_SHAPE,
  'narrow-typed': NARROW_TYPED_SHAPE,
  text: TEXT_SHAPE,
};
