import fc from 'fast-check';
import {
  CsvRecordReader,
  FieldKind,
  unescapeQuotes,
  type CsvRecordReaderOptions,
} from './csv-record-reader';

interface ReadRecord {
  fields: string[];
  offset: number;
  line: number;
  raw: string;
  unclosed?: true;
}

/** Reads `text` through a reader in pieces of `pieceSize` bytes, collecting every record. */
function readAll(
  text: string | Buffer,
  pieceSize = Number.MAX_SAFE_INTEGER,
  options: Partial<CsvRecordReaderOptions> = {},
): ReadRecord[] {
  const input = typeof text === 'string' ? Buffer.from(text) : text;
  const reader = new CsvRecordReader({ delimiter: 0x2c, quote: 0x22, skipBom: true, ...options });
  const out: ReadRecord[] = [];
  const collect = (r: Parameters<Parameters<CsvRecordReader['push']>[1]>[0]) => {
    const fields = Array.from({ length: r.count }, (_, i) =>
      reader.fieldBytes(r, i).toString('utf8'),
    );
    const record: ReadRecord = {
      fields,
      offset: reader.offsetOf(r),
      line: reader.lineOf(r),
      raw: r.buf.toString('utf8', r.start, r.end),
    };
    if (r.unclosedQuote) record.unclosed = true;
    out.push(record);
  };
  for (let at = 0; at < input.length; at += pieceSize) {
    // A copy that is wiped afterwards: a reader holding on to a pushed buffer would be caught.
    const piece = Buffer.from(input.subarray(at, at + pieceSize));
    reader.push(piece, collect);
    piece.fill(0x58);
  }
  reader.finish(collect);
  return out;
}

const fieldsOf = (text: string, pieceSize?: number) =>
  readAll(text, pieceSize).map((r) => r.fields);

describe('CsvRecordReader', () => {
  it.each([
    [
      'plain fields',
      'a,b\nc,d\n',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    [
      'no final newline',
      'a,b\nc,d',
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['CRLF and lone CR', 'a\r\nb\rc\n', [['a'], ['b'], ['c']]],
    [
      'empty fields',
      ',\na,b,\n',
      [
        ['', ''],
        ['a', 'b', ''],
      ],
    ],
    ['a trailing delimiter at EOF', 'a,', [['a', '']]],
    ['quoted delimiter and newlines', '"a,b","c\nd\r\ne"\n', [['a,b', 'c\nd\r\ne']]],
    ['doubled quotes', '"a""b",""\n', [['a"b', '']]],
    ['a quote inside an unquoted field is data', 'a"b,c"\n', [['a"b', 'c"']]],
    ['text after a closing quote is kept as written', '"ab"c,d\n', [['"ab"c', 'd']]],
    ['... with doubled quotes before it', '"ab""c"d,e\n', [['"ab"c"d', 'e']]],
    ['... and quotes after it stay doubled', '"a"b""c,d\n', [['"a"b""c', 'd']]],
    ['a space after the closing quote', '"ab" ,c\n', [['"ab" ', 'c']]],
    ['blank lines are skipped', '\n\na\r\n\r\n\rb\n', [['a'], ['b']]],
    ['a line of spaces is a record', ' \na\n', [[' '], ['a']]],
    ['a lone empty quoted field is a record', '""\n', [['']]],
  ])('%s', (_name, text, expected) => {
    expect(fieldsOf(text)).toEqual(expected);
    // The same in one-byte pieces: every split point, including inside CRLF and `""`.
    expect(fieldsOf(text, 1)).toEqual(expected);
  });

  it('reads an unclosed quote as one record that runs to the end', () => {
    const records = readAll('a\n"b,c\nd\n', 2);
    expect(records.map((r) => [r.raw, r.unclosed ?? false])).toEqual([
      ['a', false],
      ['"b,c\nd', true],
    ]);
  });

  it('gives each record its absolute byte offset and the physical line it starts on', () => {
    const text = 'h\n\n"x\ny",1\r\n\r\nz,2\rq,3';
    const records = readAll(text, 3, { firstOffset: 1000, firstLine: 10 });
    expect(records.map((r) => [r.raw, r.offset, r.line])).toEqual([
      ['h', 1000, 10],
      ['"x\ny",1', 1003, 12],
      ['z,2', 1014, 15],
      ['q,3', 1018, 16],
    ]);
  });

  it('skips a BOM only where it was asked to', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const input = Buffer.concat([bom, Buffer.from('"a",b\n')]);
    expect(readAll(input, 1).map((r) => r.fields)).toEqual([['a', 'b']]);
    expect(readAll(input, 1)[0]?.offset).toBe(3);
    expect(readAll(input, 1, { skipBom: false })[0]?.fields).toEqual(['\ufeff"a"', 'b']);
  });

  it('reads other delimiters and quotes', () => {
    const reader = (text: string) =>
      readAll(text, 2, { delimiter: 0x3b, quote: 0x27 }).map((r) => r.fields);
    expect(reader(`'a;b';"c"\n`)).toEqual([['a;b', '"c"']]);
  });

  it('reports how each field was written', () => {
    const reader = new CsvRecordReader({ delimiter: 0x2c, quote: 0x22, skipBom: false });
    const kinds: number[] = [];
    reader.push(Buffer.from('a,"b","c""d","e"f\n'), (r) => {
      for (let i = 0; i < r.count; i++) kinds.push(r.kinds[i] ?? -1);
    });
    expect(kinds).toEqual([
      FieldKind.Plain,
      FieldKind.Quoted,
      FieldKind.QuotedEscaped,
      FieldKind.QuotedTrailing,
    ]);
  });

  it('handles records with more fields than its initial capacity', () => {
    const wide = Array.from({ length: 300 }, (_, i) => `f${i}`);
    expect(fieldsOf(`${wide.join(',')}\n${wide.join(',')},\n`, 7)).toEqual([wide, [...wide, '']]);
  });
});

describe('unescapeQuotes', () => {
  // Runs between quotes both shorter and longer than the length where copying switches
  // from a byte loop to memcpy.
  const contentArb = fc
    .array(
      fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.string({ minLength: 60, maxLength: 300 }),
        fc.constant('""'),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.map((p) => p.replaceAll('"', '""')).join(''));

  it('reads each doubled quote as one, whatever the runs between them', () => {
    fc.assert(
      fc.property(contentArb, fc.nat({ max: 5 }), (content, pad) => {
        // Quoted inside a larger buffer: the bounds, not the buffer's ends, must hold.
        const buf = Buffer.from(`${'x'.repeat(pad)}"${content}",y`);
        const start = pad + 1;
        const end = start + Buffer.byteLength(content);
        expect(unescapeQuotes(buf, start, end, 0x22).toString()).toBe(
          content.replaceAll('""', '"'),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("unescapes each field into the reader's one scratch buffer, growing it for a long field", () => {
    fc.assert(
      fc.property(fc.array(contentArb, { minLength: 1, maxLength: 6 }), (contents) => {
        // One record of quoted fields, some past the scratch buffer's first 4 KiB.
        const fields = contents.map((c, i) => (i % 2 === 0 ? c : c.repeat(20)));
        const reader = new CsvRecordReader({ delimiter: 0x2c, quote: 0x22, skipBom: false });
        const read: string[] = [];
        reader.push(Buffer.from(`${fields.map((f) => `"${f}"`).join(',')}\n`), (r) => {
          for (let i = 0; i < r.count; i++) {
            const n = r.kinds[i] === FieldKind.QuotedEscaped ? reader.unescapedField(r, i) : -1;
            read.push(
              n < 0 ? reader.fieldBytes(r, i).toString() : reader.scratch.toString('utf8', 0, n),
            );
          }
        });
        expect(read).toEqual(fields.map((f) => f.replaceAll('""', '"')));
      }),
      { numRuns: 300 },
    );
  });
});
