import { planAllLayouts, type Expected } from './test-support/plan-all-layouts';
import { ChunkPlanner, type ChunkPlannerOptions } from './chunk-planner';

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
});

describe('ChunkPlanner first chunks', () => {
  it('ramps the first chunks up from firstChunkBytes, doubling, to the target', () => {
    const planner = new ChunkPlanner({
      targetChunkBytes: 40,
      firstChunkBytes: 5,
      quote: 0x22,
      delimiter: 0x2c,
      maxRecordBytes: 100,
      header: false,
    });
    const row = '1234\n'; // 5 bytes a record
    const chunks = [...planner.push(Buffer.from(row.repeat(39))), ...planner.finish()];
    expect(chunks.map((c) => c.end - c.start)).toEqual([5, 10, 20, 40, 40, 40, 40]);
    expect(chunks.map((c) => c.records)).toEqual([1, 2, 4, 8, 8, 8, 8]);
  });

  it('refuses a first target below 1', () => {
    expect(
      () =>
        new ChunkPlanner({
          targetChunkBytes: 40,
          firstChunkBytes: 0,
          quote: 0x22,
          delimiter: 0x2c,
          maxRecordBytes: 100,
          header: false,
        }),
    ).toThrow(RangeError);
  });
});
