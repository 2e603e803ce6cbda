import fc from 'fast-check';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
  CopyBinaryWriter,
  CopyTextWriter,
  binaryColumnKind,
  type BinaryColumnKind,
  type CopyRowWriter,
} from '@ingest/pg-copy';
import { createTestEnvironment, type TestEnvironment } from '@ingest/testing';

/**
 * The binary COPY writer against PostgreSQL's own text input: the same
 * canonical values written both ways into two identical tables must read
 * back equal, for every supported type, edge values and random ones.
 */
const COLUMNS: [string, string][] = [
  ['id', 'integer'],
  ['i4', 'integer'],
  ['i8', 'bigint'],
  ['num', 'numeric'],
  ['num_scaled', 'numeric(12,3)'],
  ['flag', 'boolean'],
  ['day', 'date'],
  ['ts', 'timestamp without time zone'],
  ['tstz', 'timestamp with time zone'],
  ['uid', 'uuid'],
  ['doc', 'jsonb'],
  ['body', 'text'],
  ['short', 'character varying(40)'],
];

type Row = (string | null)[];

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const int = (min: number, max: number) => fc.integer({ min, max });
const digits = (min: number, max: number) =>
  fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max })
    .map((d) => d.join(''));
const date = fc
  .tuple(int(1, 9999), int(1, 12), int(1, 28))
  .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
const time = fc
  .tuple(
    int(0, 23),
    int(0, 59),
    int(0, 59),
    fc.oneof(
      fc.constant(''),
      digits(1, 9).map((f) => `.${f}`),
    ),
  )
  .map(([h, m, s, f]) => `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${f}`);
const offset = fc.oneof(
  fc.constant('Z'),
  fc
    .tuple(
      fc.constantFrom('+', '-'),
      int(0, 15),
      int(0, 59),
      fc.oneof(
        fc.constant(''),
        int(0, 59).map((s) => `:${pad(s, 2)}`),
      ),
    )
    .map(([sign, h, m, s]) => `${sign}${pad(h, 2)}:${pad(m, 2)}${s}`),
);
const decimal = fc
  .tuple(
    fc.boolean(),
    fc.oneof(
      fc.constant('0'),
      fc.integer({ min: 1, max: 9 }).chain((f) => digits(0, 30).map((r) => `${f}${r}`)),
    ),
    fc.oneof(
      fc.constant(''),
      digits(1, 20).map((f) => `.${f}`),
    ),
  )
  .map(([neg, i, f]) => `${neg ? '-' : ''}${i}${f}`);
const nullable = (a: fc.Arbitrary<string>): fc.Arbitrary<string | null> =>
  fc.oneof({ weight: 5, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) });

const rowArb = (id: number): fc.Arbitrary<Row> =>
  fc.tuple(
    fc.constant(String(id)),
    nullable(fc.integer({ min: -2147483648, max: 2147483647 }).map(String)),
    nullable(
      fc
        .oneof(
          fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
          fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        )
        .map(String),
    ),
    nullable(decimal),
    nullable(
      fc
        .tuple(fc.boolean(), digits(1, 9), digits(3, 3))
        .map(([n, i, f]) => `${n ? '-' : ''}${i.replace(/^0+(?=.)/, '')}.${f}`),
    ),
    nullable(fc.constantFrom('t', 'f')),
    nullable(date),
    nullable(fc.tuple(date, fc.constantFrom(' ', 'T'), time).map((p) => p.join(''))),
    nullable(fc.tuple(date, fc.constantFrom(' ', 'T'), time, offset).map((p) => p.join(''))),
    nullable(fc.uuid()),
    nullable(fc.jsonValue().map((v) => JSON.stringify(v))),
    nullable(fc.string({ unit: fc.constantFrom('a', 'é', '😀', '\t', '\n', '\\', '"', ',', ' ') })),
    nullable(fc.string({ maxLength: 40, unit: fc.constantFrom('x', 'ß', '\r') })),
  );

/** Rows that sit on the edges: ranges, rounding of sub-microseconds, zero forms, far years. */
const EDGES: Row[] = [
  [
    '1',
    '-2147483648',
    '-9223372036854775808',
    '0',
    '0.000',
    't',
    '0001-01-01',
    '0001-01-01 00:00:00',
    '0001-01-01 00:00:00+15:59',
    '00000000-0000-0000-0000-000000000000',
    '{}',
    '',
    '',
  ],
  [
    '2',
    '2147483647',
    '9223372036854775807',
    '-0.00',
    '-999999999.999',
    'f',
    '9999-12-31',
    '9999-12-31 23:59:59.999999',
    '9999-12-31T23:59:59.9999995-15:59:59',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '[1,"a",null]',
    'tab\there\nand \\ back',
    'x',
  ],
  [
    '3',
    '0',
    '0',
    '10000',
    '1.5',
    't',
    '2000-01-01',
    '2000-01-01 00:00:00.0000005',
    '2000-01-01T00:00:00.0000015Z',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    '"s"',
    '😀',
    null,
  ],
  [
    '4',
    '-1',
    '-4294967296',
    '0.0001',
    '0.001',
    null,
    '1999-12-31',
    '1999-12-31 23:59:59.5',
    '2024-03-27 10:00:00.123456789+05:30',
    null,
    'null',
    null,
    null,
  ],
  [
    '5',
    '7',
    '4294967295',
    '123456789012345678901234567890.000000000000000000001',
    '-0.100',
    't',
    '2024-02-29',
    '2285-06-01 00:00:00',
    '1700-06-01 12:00:00-03:00',
    null,
    '{"k":[1.5e10,true]}',
    'é',
    'ß',
  ],
];

const DAY = COLUMNS.findIndex(([name]) => name === 'day');

/** `datesAsParts`: dates go in as their parts (cellDate), as the loader's byte path hands them. */
async function load(
  db: pg.Client,
  table: string,
  writer: CopyRowWriter,
  rows: Row[],
  binary: boolean,
  datesAsParts = false,
) {
  for (const row of rows) {
    row.forEach((v, c) => {
      if (v === null) writer.cellNull(c);
      else if (datesAsParts && c === DAY) {
        const [y, m, d] = v.split('-').map(Number) as [number, number, number];
        writer.cellDate(c, y, m, d);
      } else {
        const bytes = Buffer.from(v, 'utf8');
        // Text COPY escapes every value (the loader does for free text and normalizer output).
        writer.cell(c, bytes, 0, bytes.length, true);
      }
    });
    writer.endRow();
  }
  const out: Buffer[] = [];
  const full = writer.takeFull();
  if (full) out.push(Buffer.from(full));
  const rest = writer.takeRest();
  if (rest) out.push(rest);
  const columns = COLUMNS.map(([name]) => name).join(', ');
  await pipeline(
    Readable.from(out),
    db.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN${binary ? ' (FORMAT binary)' : ''}`)),
  );
}

describe('COPY binary writer against PostgreSQL text input', () => {
  let t: TestEnvironment;
  let db: pg.Client;

  beforeAll(async () => {
    t = await createTestEnvironment();
    db = await t.db();
    const ddl = COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ');
    for (const table of ['via_text', 'via_binary', 'parts_text', 'parts_binary']) {
      await db.query(`CREATE TABLE ${table} (${ddl})`);
    }
  });
  afterAll(async () => {
    await db?.end();
    await t?.cleanup();
  });

  it('every supported type has a binary encoding', () => {
    for (const [, type] of COLUMNS) expect(binaryColumnKind(type)).not.toBeNull();
    expect(binaryColumnKind('smallint')).toBeNull();
    expect(binaryColumnKind('citext')).toBeNull();
  });

  it('reads back exactly what text COPY reads, for edge and random values', async () => {
    const rows: Row[] = [...EDGES];
    for (let id = 100; id < 2100; id++) {
      rows.push(fc.sample(rowArb(id), { numRuns: 1, seed: id })[0] as Row);
    }
    const kinds = COLUMNS.map(([, type]) => binaryColumnKind(type) as BinaryColumnKind);
    await load(db, 'via_text', new CopyTextWriter(64 * 1024), rows, false);
    await load(db, 'via_binary', new CopyBinaryWriter(kinds, false, 64 * 1024), rows, true);
    await load(db, 'parts_text', new CopyTextWriter(64 * 1024), rows, false, true);
    await load(db, 'parts_binary', new CopyBinaryWriter(kinds, false, 64 * 1024), rows, true, true);

    for (const table of ['via_binary', 'parts_text', 'parts_binary']) {
      const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      expect([table, count.rows[0]?.n]).toEqual([table, rows.length]);
      const differ = await db.query(
        `SELECT * FROM (SELECT * FROM via_text EXCEPT ALL SELECT * FROM ${table}) a
         UNION ALL SELECT * FROM (SELECT * FROM ${table} EXCEPT ALL SELECT * FROM via_text) b
         ORDER BY id LIMIT 10`,
      );
      expect([table, differ.rows]).toEqual([table, []]);
      // Numeric display scale survives too (EXCEPT compares values, not scales).
      const scales = await db.query(
        `SELECT t.id FROM via_text t JOIN ${table} b USING (id) WHERE t.num::text <> b.num::text`,
      );
      expect([table, scales.rows]).toEqual([table, []]);
    }
  });
});
