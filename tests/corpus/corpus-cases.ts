import { gzipSync } from 'node:zlib';

/**
 * Malformed and unusual files, each with the outcome a user should get. The
 * bytes are built here so that every odd byte (BOM, NUL, CR, Latin-1) is
 * visible in review rather than hidden in a binary fixture.
 */
export interface CorpusCase {
  name: string;
  bytes: Buffer;
  /** Extra query parameters, e.g. `&delimiter=tab`. */
  query?: string;
  expect: {
    status: 'completed' | 'failed';
    loaded?: number;
    rejected?: number;
    errorCode?: string;
    rejectCodes?: string[];
    columns?: string[];
    /** The first loaded row, by column name (ordered by the first column). */
    /** Values as node-postgres returns them: inferred integer columns are numbers. */
    firstRow?: Record<string, string | number | null>;
    dialect?: Record<string, unknown>;
  };
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const utf16le = (s: string) =>
  Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
const utf16be = (s: string) => {
  const le = Buffer.from(s, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1] ?? 0;
    be[i + 1] = le[i] ?? 0;
  }
  return Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
};
const latin1 = (s: string) => Buffer.from(s, 'latin1');

const people = 'id,name,city\n1,Zoë,Kraków\n2,José,São Paulo\n3,Ada,Berlin\n';
const zoe = { id: 1, name: 'Zoë', city: 'Kraków' };
const three = { status: 'completed', loaded: 3, rejected: 0 } as const;

export const MAX_RECORD_BYTES = 64 * 1024;
export const MAX_DECOMPRESSED_BYTES = 1024 * 1024;

export const CORPUS: CorpusCase[] = [
  { name: 'plain comma LF', bytes: utf8(people), expect: { ...three, firstRow: zoe } },
  {
    name: 'CRLF line endings',
    bytes: utf8(people.replace(/\n/g, '\r\n')),
    expect: { ...three, firstRow: zoe, dialect: { line_ending: '\r\n' } },
  },
  {
    name: 'lone CR line endings (old Mac)',
    bytes: utf8(people.replace(/\n/g, '\r')),
    expect: { ...three, firstRow: zoe },
  },
  { name: 'no final newline', bytes: utf8(people.trimEnd()), expect: three },
  {
    name: 'mixed LF and CRLF',
    bytes: utf8('id,name,city\r\n1,Zoë,Kraków\n2,José,São Paulo\r\n3,Ada,Berlin'),
    expect: { ...three, firstRow: zoe },
  },
  {
    name: 'UTF-8 with BOM',
    bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(people)]),
    expect: { ...three, columns: ['id', 'name', 'city'], firstRow: zoe },
  },
  {
    name: 'UTF-16 LE with BOM',
    bytes: utf16le(people),
    expect: { ...three, firstRow: zoe, dialect: { encoding: 'utf-16le' } },
  },
  {
    name: 'UTF-16 BE with BOM',
    bytes: utf16be(people),
    expect: { ...three, firstRow: zoe, dialect: { encoding: 'utf-16be' } },
  },
  {
    name: 'Latin-1 detected',
    bytes: latin1('id,name,city\n1,Zoë,Kraków\n2,José,Sao Paulo\n3,Ada,Berlin\n'.replace('ó', 'o')),
    expect: {
      ...three,
      firstRow: { id: 1, name: 'Zoë', city: 'Krakow' },
      dialect: { encoding: 'windows-1252' },
    },
  },
  {
    name: 'Windows-1252 declared (euro sign)',
    bytes: Buffer.concat([latin1('id,price,city\n1,'), Buffer.from([0x80]), latin1('5,Köln\n')]),
    query: '&encoding=windows-1252',
    expect: { status: 'completed', loaded: 1, firstRow: { id: 1, price: '€5', city: 'Köln' } },
  },
  {
    name: 'declared UTF-8 with one invalid byte',
    bytes: Buffer.concat([
      utf8('id,name,city\n1,Zoë,Kraków\n2,'),
      Buffer.from([0xff, 0xfe]),
      utf8(',Oslo\n3,Ada,Berlin\n'),
    ]),
    query: '&encoding=utf-8',
    expect: {
      status: 'completed',
      loaded: 2,
      rejected: 1,
      rejectCodes: ['INVALID_UTF8'],
      firstRow: zoe,
    },
  },
  {
    name: 'semicolons with decimal commas',
    bytes: utf8('id;price;qty\n1;1,50;2\n2;2,75;3\n3;10,00;1\n'),
    expect: {
      ...three,
      // inferred: price numeric in the German reading (1,50 → 1.50), qty integer
      firstRow: { id: 1, price: '1.50', qty: 2 },
      dialect: { delimiter: ';' },
    },
  },
  {
    name: 'tab-separated',
    bytes: utf8('id\tname\tcity\n1\tZoë\tKraków\n2\tJosé\tSão Paulo\n3\tAda\tBerlin\n'),
    expect: { ...three, firstRow: zoe, dialect: { delimiter: '\t' } },
  },
  {
    name: 'pipe-separated',
    bytes: utf8('id|name|city\n1|Zoë|Kraków\n2|José|São Paulo\n3|Ada|Berlin\n'),
    expect: { ...three, firstRow: zoe, dialect: { delimiter: '|' } },
  },
  {
    name: 'forced delimiter overrides sniffing',
    bytes: utf8('id;name\n1;a,b\n2;c,d\n3;e,f\n'),
    query: '&delimiter=semicolon',
    expect: { ...three, firstRow: { id: 1, name: 'a,b' } },
  },
  {
    name: 'quoted delimiters and doubled quotes',
    bytes: utf8('id,name,city\n1,"Smith, Jr.","say ""hi"""\n2,"a,b,c",x\n3,"",y\n'),
    expect: { ...three, firstRow: { id: 1, name: 'Smith, Jr.', city: 'say "hi"' } },
  },
  {
    name: 'quoted CR, LF and CRLF inside a field',
    bytes: utf8('id,body\n1,"a\rb\nc\r\nd"\n2,x\n3,y\n'),
    expect: { ...three, firstRow: { id: 1, body: 'a\rb\nc\r\nd' } },
  },
  {
    name: 'single-quote quoting, forced',
    bytes: utf8("id,name\n1,'O,Brien'\n2,'x'\n3,y\n"),
    query: "&quote='",
    expect: { ...three, firstRow: { id: 1, name: 'O,Brien' } },
  },
  {
    name: 'gzip-compressed (detected by magic bytes)',
    bytes: gzipSync(utf8(people)),
    expect: { ...three, firstRow: zoe, dialect: { compression: 'gzip' } },
  },
  {
    name: 'gzip of UTF-16',
    bytes: gzipSync(utf16le(people)),
    expect: { ...three, firstRow: zoe, dialect: { compression: 'gzip', encoding: 'utf-16le' } },
  },
  {
    name: 'gzip bomb',
    bytes: gzipSync(Buffer.alloc(4 * MAX_DECOMPRESSED_BYTES, 0x61)),
    expect: { status: 'failed', errorCode: 'DECOMPRESSED_TOO_LARGE' },
  },
  {
    name: 'unclosed quote at end of file',
    bytes: utf8('id,name\n1,a\n2,b\n3,"never closed\n4,d\n'),
    query: '&quote="',
    expect: { status: 'completed', loaded: 2, rejected: 1, rejectCodes: ['CSV_QUOTE_NOT_CLOSED'] },
  },
  {
    name: 'too many fields',
    bytes: utf8('id,name\n1,a\n2,b,extra\n3,c\n'),
    expect: { status: 'completed', loaded: 2, rejected: 1, rejectCodes: ['TOO_MANY_FIELDS'] },
  },
  {
    name: 'too few fields',
    bytes: utf8('id,name,city\n1,a,x\n2,b\n3,c,z\n'),
    expect: { status: 'completed', loaded: 2, rejected: 1, rejectCodes: ['TOO_FEW_FIELDS'] },
  },
  {
    name: 'stray quote inside an unquoted field is literal',
    bytes: utf8('id,name\n1,ab"c\n2,5" screen\n3,x\n'),
    expect: { ...three, firstRow: { id: 1, name: 'ab"c' } },
  },
  {
    name: 'record over the maximum record size',
    bytes: utf8(`id,blob\n1,"${'x'.repeat(2 * MAX_RECORD_BYTES)}"\n2,y\n`),
    expect: { status: 'failed', errorCode: 'CSV_RECORD_TOO_LARGE' },
  },
  {
    name: 'NUL byte in a field',
    bytes: utf8('id,name\n1,a\n2,b\u0000c\n3,d\n'),
    expect: { status: 'completed', loaded: 2, rejected: 1, rejectCodes: ['NUL_BYTE'] },
  },
  {
    name: 'blank lines between records',
    bytes: utf8('id,name\n\n1,a\n\n\n2,b\n\n3,c\n\n'),
    expect: three,
  },
  {
    name: 'header only',
    bytes: utf8('id,name,city\n'),
    expect: { status: 'completed', loaded: 0, rejected: 0, columns: ['id', 'name', 'city'] },
  },
  {
    name: 'only blank lines',
    bytes: utf8('\n\n\r\n'),
    expect: { status: 'failed', errorCode: 'CSV_NO_HEADER' },
  },
  {
    name: 'no header, forced',
    bytes: utf8('1,a,x\n2,b,y\n3,c,z\n'),
    query: '&header=false',
    expect: {
      ...three,
      columns: ['column_1', 'column_2', 'column_3'],
      firstRow: { column_1: 1, column_2: 'a', column_3: 'x' },
    },
  },
  {
    name: 'duplicate and odd header names',
    bytes: utf8('Name,name,,2024,"a""; DROP TABLE x; --"\n1,2,3,4,5\n'),
    expect: {
      status: 'completed',
      loaded: 1,
      columns: ['name', 'name_2', 'column_3', 'c_2024', 'a_drop_table_x'],
    },
  },
  {
    name: 'trailing delimiter on every line',
    bytes: utf8('id,name,\n1,a,\n2,b,\n3,c,\n'),
    expect: { ...three, columns: ['id', 'name', 'column_3'] },
  },
  {
    name: 'a thousand columns',
    bytes: utf8(
      `${Array.from({ length: 1000 }, (_, i) => `c${i}`).join(',')}\n${Array.from({ length: 1000 }, (_, i) => String(i)).join(',')}\n`,
    ),
    expect: { status: 'completed', loaded: 1 },
  },
  {
    name: 'emoji and CJK, whitespace trimmed, empty is NULL',
    bytes: utf8('id,name,city\n1,  😀 中文  ,\n'),
    expect: { status: 'completed', loaded: 1, firstRow: { id: 1, name: '😀 中文', city: null } },
  },
];
