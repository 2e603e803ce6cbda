import { isAppError } from '@ingest/errors';
import { ChunkPlanner, type ChunkPlannerOptions } from './chunk-planner';
import { planInPieces, type PlanResult } from './test-support/plan-in-pieces';
import { referencePlan } from './test-support/reference-planner';

const BIG = 1 << 20;
const defaults: ChunkPlannerOptions = {
  targetChunkBytes: BIG,
  quote: 0x22,
  delimiter: 0x2c,
  maxRecordBytes: BIG,
  header: true,
};

/** Piece layouts every table case is run with: 1 byte, small primes, everything at once. */
const LAYOUTS: number[][] = [[1], [2], [3], [5, 1, 2], [7], [BIG]];

interface Expected {
  chunks: Array<[text: string, firstLine: number, records: number]>;
  header?: string;
}

/** Chunk texts (decoded), asserting the structural invariants along the way. */
function describePlan(input: Buffer, result: PlanResult): Expected {
  const { chunks } = result;
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    expect(c.end).toBeGreaterThan(c.start);
    expect(c.records).toBeGreaterThan(0);
    if (i > 0) expect(c.start).toBe(chunks[i - 1]?.end);
  });
  if (chunks.length > 0) expect(chunks[chunks.length - 1]?.end).toBe(input.length);
  expect(result.recordsFound).toBe(chunks.reduce((sum, c) => sum + c.records, 0));
  expect(result.bytesScanned).toBe(input.length);
  const described: Expected = {
    chunks: chunks.map((c) => [input.subarray(c.start, c.end).toString(), c.firstLine, c.records]),
  };
  if (result.header !== undefined) described.header = result.header.toString();
  return described;
}

function planAllLayouts(text: string | Buffer, options: Partial<ChunkPlannerOptions>): Expected {
  const input = Buffer.from(text);
  const opts = { ...defaults, ...options };
  const reference = referencePlan(input, opts);
  const results = LAYOUTS.map((layout) => {
    const result = planInPieces(input, opts, layout);
    // The piece layout never changes the plan, and it is exactly the naive model's.
    expect(result.chunks).toEqual(reference.chunks);
    return describePlan(input, result);
  });
  expect(
    describePlan(input, {
      ...reference,
      recordsFound: reference.records,
      bytesScanned: input.length,
    }),
  ).toEqual(results[0]);
  return results[0] as Expected;
}

describe('ChunkPlanner', () => {
  const cases: Array<
    [name: string, input: string, options: Partial<ChunkPlannerOptions>, expected: Expected]
  > = [
    ['LF records', 'h\na\nb\n', {}, { header: 'h', chunks: [['a\nb\n', 2, 2]] }],
    ['CRLF records', 'h\r\na\r\nb\r\n', {}, { header: 'h', chunks: [['a\r\nb\r\n', 2, 2]] }],
    ['lone CR records', 'h\ra\rb', {}, { header: 'h', chunks: [['a\rb', 2, 2]] }],
    [
      'CRLF chunk boundaries never split CR from LF',
      'h\r\na\r\nb',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['a\r\n', 2, 1],
          ['b', 3, 1],
        ],
      },
    ],
    [
      'lone CR followed by a CRLF blank line',
      'h\ra\r\r\nb',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['a\r', 2, 1],
          ['\r\nb', 3, 1],
        ],
      },
    ],
    [
      'quoted CRLF, LF and CR are data but still count as lines',
      'h\n"a\r\nb","c\nd"\n"e\rf"\nz\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['"a\r\nb","c\nd"\n', 2, 1],
          ['"e\rf"\n', 5, 1],
          ['z\n', 7, 1],
        ],
      },
    ],
    [
      'doubled quotes toggle twice',
      'h\n"a""b\nc",""""\nx,"y"""\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['"a""b\nc",""""\n', 2, 1],
          ['x,"y"""\n', 4, 1],
        ],
      },
    ],
    [
      'multi-byte UTF-8 offsets are bytes',
      'hé\né€😀,"ü\n😀"\nß\n',
      { targetChunkBytes: 1 },
      {
        header: 'hé',
        chunks: [
          ['é€😀,"ü\n😀"\n', 2, 1],
          ['ß\n', 4, 1],
        ],
      },
    ],
    [
      'blank lines are not records and never end a chunk on their own',
      '\n\nh\n\na\n\n\nb\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['\na\n', 4, 1],
          ['\n\nb\n', 6, 1],
        ],
      },
    ],
    [
      'trailing blank lines fold into the last chunk',
      'h\na\nb\n\n\r\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['a\n', 2, 1],
          ['b\n\n\r\n', 3, 1],
        ],
      },
    ],
    [
      'whitespace-only and "" lines are records',
      'h\n \n""\n',
      {},
      { header: 'h', chunks: [[' \n""\n', 2, 2]] },
    ],
    ['no final newline', 'h\na\nb', {}, { header: 'h', chunks: [['a\nb', 2, 2]] }],
    [
      'no final newline, one record per chunk',
      'h\na\nb',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['a\n', 2, 1],
          ['b', 3, 1],
        ],
      },
    ],
    ['header-only file', 'h1,h2\n', {}, { header: 'h1,h2', chunks: [] }],
    ['header-only file without newline', 'h1,"h\n2"', {}, { header: 'h1,"h\n2"', chunks: [] }],
    ['header and blank lines only', '\r\n\nh\n\n\r', {}, { header: 'h', chunks: [] }],
    ['empty object', '', {}, { chunks: [] }],
    ['blank lines only', '\n\r\n\r', {}, { chunks: [] }],
    [
      'unclosed quote at EOF: the rest is one record',
      'h\na\n"b,c\nd\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['a\n', 2, 1],
          ['"b,c\nd\n', 3, 1],
        ],
      },
    ],
    [
      'header=false starts at byte 0 and keeps leading blank lines',
      '\na\r\nb\n',
      { header: false },
      { chunks: [['\na\r\nb\n', 1, 2]] },
    ],
    [
      'header=false, one record per chunk',
      'a\nb\n\n',
      { header: false, targetChunkBytes: 1 },
      {
        chunks: [
          ['a\n', 1, 1],
          ['b\n\n', 2, 1],
        ],
      },
    ],
    [
      'a chunk ends at the first boundary at or after start + target (exact hit)',
      'h\naa\nbb\ncc\n',
      { targetChunkBytes: 3 },
      {
        header: 'h',
        chunks: [
          ['aa\n', 2, 1],
          ['bb\n', 3, 1],
          ['cc\n', 4, 1],
        ],
      },
    ],
    [
      'a chunk ends at the first boundary at or after start + target (overshoot)',
      'h\naa\nbb\ncc\n',
      { targetChunkBytes: 4 },
      {
        header: 'h',
        chunks: [
          ['aa\nbb\n', 2, 2],
          ['cc\n', 4, 1],
        ],
      },
    ],
    [
      'another quote byte',
      "h\n'a\nb\"',c\nd\n",
      { quote: 0x27, targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ["'a\nb\"',c\n", 2, 1],
          ['d\n', 4, 1],
        ],
      },
    ],
    [
      'a quote inside an unquoted field is data',
      'h\nab"c,d\ne"\nf\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['ab"c,d\n', 2, 1],
          ['e"\n', 3, 1],
          ['f\n', 4, 1],
        ],
      },
    ],
    [
      'text after a closing quote is data, and so is a later quote in that field',
      'h\n"a\nb"c"d,x\n"e"f\ng\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['"a\nb"c"d,x\n', 2, 1],
          ['"e"f\n', 4, 1],
          ['g\n', 5, 1],
        ],
      },
    ],
    [
      'a quote right after the delimiter opens a quoted field',
      'h\nx,"a\nb",y\nz\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['x,"a\nb",y\n', 2, 1],
          ['z\n', 4, 1],
        ],
      },
    ],
    [
      'a quote after a space is data (no trimming)',
      'h\nx, "a\nb"\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['x, "a\n', 2, 1],
          ['b"\n', 3, 1],
        ],
      },
    ],
    [
      'only the configured delimiter starts a field',
      'h\nx;"a\nb"\n',
      { delimiter: 0x3b, targetChunkBytes: 1 },
      { header: 'h', chunks: [['x;"a\nb"\n', 2, 1]] },
    ],
    [
      'another delimiter byte is data',
      'h\nx;"a\nb"\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['x;"a\n', 2, 1],
          ['b"\n', 3, 1],
        ],
      },
    ],
    [
      'tab delimiter',
      'h\nx\t"a\r\nb"\r\ny\r\n',
      { delimiter: 0x09, targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['x\t"a\r\nb"\r\n', 2, 1],
          ['y\r\n', 4, 1],
        ],
      },
    ],
    [
      '"" then text opens and closes a field, the rest is data',
      'h\n""x"\ny\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['""x"\n', 2, 1],
          ['y\n', 3, 1],
        ],
      },
    ],
    [
      '""" opens a field holding an escaped quote',
      'h\n""",x\ny"\nz\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['""",x\ny"\n', 2, 1],
          ['z\n', 4, 1],
        ],
      },
    ],
    [
      'a quoted field may open right after a quoted field closed by the delimiter',
      'h\n"a","b\nc"\n',
      { targetChunkBytes: 1 },
      { header: 'h', chunks: [['"a","b\nc"\n', 2, 1]] },
    ],
    [
      'a quote after a lone CR starts a record, so it opens a field',
      'h\ra\r"b\rc"\rd',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['a\r', 2, 1],
          ['"b\rc"\r', 3, 1],
          ['d', 5, 1],
        ],
      },
    ],
    [
      'a UTF-8 BOM is not header content, and a quote after it opens a field',
      '\ufeff"h\n1",h2\na\n',
      {},
      { header: '"h\n1",h2', chunks: [['a\n', 3, 1]] },
    ],
    [
      'header=false: the first chunk keeps the BOM bytes, and a quote after it opens a field',
      '\ufeff"a\nb",c\nd\n',
      { header: false, targetChunkBytes: 1 },
      {
        chunks: [
          ['\ufeff"a\nb",c\n', 1, 1],
          ['d\n', 3, 1],
        ],
      },
    ],
    [
      'a BOM-only first line is blank',
      '\ufeff\r\nh\na\n',
      {},
      { header: 'h', chunks: [['a\n', 3, 1]] },
    ],
    [
      'U+FEFF after byte 0 is data: a quote after it is data too',
      'h\n\ufeff"a\nb\n',
      { targetChunkBytes: 1 },
      {
        header: 'h',
        chunks: [
          ['\ufeff"a\n', 2, 1],
          ['b\n', 3, 1],
        ],
      },
    ],
    [
      'a record of exactly maxRecordBytes is fine',
      'h\nabcde\r\n',
      { maxRecordBytes: 5 },
      { header: 'h', chunks: [['abcde\r\n', 2, 1]] },
    ],
  ];

  it.each(cases)('%s', (_name, input, options, expected) => {
    expect(planAllLayouts(input, options)).toEqual(expected);
  });

  describe('maxRecordBytes', () => {
    const tooLarge = (input: string, maxRecordBytes: number, layout: number[]): unknown => {
      try {
        planInPieces(Buffer.from(input), { ...defaults, maxRecordBytes }, layout);
      } catch (error) {
        return error;
      }
      return undefined;
    };

    it.each([
      ['a data record', 'h\nabcdef\nx\n', 5, 2],
      ['a data record without terminator', 'h\nabcdef', 5, 2],
      ['a data record whose CR ends a piece', 'h\nabcdef\r\nx', 5, 2],
      ['the header record', 'abcdef\nx\n', 5, 0],
      ['a quoted record with newlines', 'h\n"a\nb\nc"\n', 5, 2],
      ['an unclosed quote', 'h\nok\n"abc\ndef\n', 5, 5],
    ])('rejects %s with CSV_RECORD_TOO_LARGE', (_name, input, max, offset) => {
      for (const layout of LAYOUTS) {
        const error = tooLarge(input, max, layout);
        expect(isAppError(error) && error.code).toBe('CSV_RECORD_TOO_LARGE');
        expect((error as Error).message).toContain(`byte ${offset} `);
      }
    });

    it('fails fast on a runaway quote instead of scanning to EOF', () => {
      const planner = new ChunkPlanner({ ...defaults, maxRecordBytes: 100 });
      planner.push(Buffer.from('h\n"'));
      const piece = Buffer.alloc(64, 0x61);
      let pushed = 0;
      let error: unknown;
      try {
        for (; pushed < 1000; pushed++) planner.push(piece);
      } catch (e) {
        error = e;
      }
      expect(isAppError(error) && error.code).toBe('CSV_RECORD_TOO_LARGE');
      expect(pushed).toBe(1); // the second 64-byte piece crosses 100 bytes
    });
  });

  describe('streaming behaviour', () => {
    it('emits chunks from push() as soon as a later record proves they are not the last', () => {
      const planner = new ChunkPlanner({ ...defaults, targetChunkBytes: 10 });
      const early = planner.push(Buffer.from(`h\n${'abcd\n'.repeat(20)}`));
      const late = planner.finish();
      expect(early.length).toBe(9);
      expect(late).toEqual([
        { index: 9, start: 92, end: 102, firstLine: 20, records: 2, invalidUtf8: false },
      ]);
      expect(planner.recordsFound).toBe(20);
    });

    it('holds back the last chunk so trailing blank lines can be folded in', () => {
      const planner = new ChunkPlanner({ ...defaults, targetChunkBytes: 1 });
      expect(planner.push(Buffer.from('h\na\n'))).toEqual([]);
      expect(planner.push(Buffer.from('\n\n'))).toEqual([]);
      expect(planner.finish()).toEqual([
        { index: 0, start: 2, end: 6, firstLine: 2, records: 1, invalidUtf8: false },
      ]);
    });

    it('keeps its own copy of the header bytes', () => {
      const planner = new ChunkPlanner(defaults);
      expect(planner.headerBytes).toBeUndefined();
      const piece = Buffer.from('id,name\r\n1,x\r\n');
      planner.push(piece);
      piece.fill(0);
      expect(planner.headerBytes?.toString()).toBe('id,name');
    });

    it('has no header when header=false', () => {
      const planner = new ChunkPlanner({ ...defaults, header: false });
      planner.push(Buffer.from('a\n'));
      expect(planner.headerBytes).toBeUndefined();
      expect(planner.finish()).toHaveLength(1);
    });

    it('ignores empty pieces, finish() is idempotent, push() after finish() throws', () => {
      const planner = new ChunkPlanner(defaults);
      expect(planner.push(Buffer.alloc(0))).toEqual([]);
      planner.push(Buffer.from('h\nx'));
      expect(planner.finish()).toHaveLength(1);
      expect(planner.finish()).toEqual([]);
      expect(() => planner.push(Buffer.from('y'))).toThrow('after finish');
    });

    it.each([
      ['targetChunkBytes 0', { targetChunkBytes: 0 }],
      ['maxRecordBytes 0', { maxRecordBytes: 0 }],
      ['quote LF', { quote: 0x0a }],
      ['quote 256', { quote: 256 }],
      ['delimiter CR', { delimiter: 0x0d }],
      ['delimiter LF', { delimiter: 0x0a }],
      ['delimiter equal to the quote', { delimiter: 0x22 }],
      ['delimiter -1', { delimiter: -1 }],
      ['delimiter 1.5', { delimiter: 1.5 }],
    ])('rejects invalid options: %s', (_name, options) => {
      expect(() => new ChunkPlanner({ ...defaults, ...options })).toThrow(RangeError);
    });
  });
});
