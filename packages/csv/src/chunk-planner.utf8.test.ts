import type { ChunkPlannerOptions } from './chunk-planner';
import { planInPieces } from './test-support/plan-in-pieces';
import { referencePlan } from './test-support/reference-planner';

const options: ChunkPlannerOptions = {
  targetChunkBytes: 1,
  quote: 0x22,
  delimiter: 0x2c,
  maxRecordBytes: 1 << 20,
  header: true,
};

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(parts.map((p) => Buffer.from(p)));

/** invalidUtf8 of each chunk, the same for every two-cut piece layout, and the naive model's. */
function flags(input: Buffer, opts: Partial<ChunkPlannerOptions> = {}): boolean[] {
  const all = { ...options, ...opts };
  const expected = referencePlan(input, all).chunks;
  for (let a = 1; a <= input.length; a++) {
    for (const b of [1, 2, 3, input.length]) {
      // Pieces of a, then b, b, ...: every offset is a piece boundary for some a.
      expect(planInPieces(input, all, [a, b]).chunks).toEqual(expected);
    }
  }
  return expected.map((c) => c.invalidUtf8);
}

describe('ChunkPlanner invalidUtf8', () => {
  it.each<[name: string, input: Buffer, opts: Partial<ChunkPlannerOptions>, expected: boolean[]]>([
    ['a 4-byte emoji split at every point is valid', bytes('h\na😀b\n😀\n'), {}, [false, false]],
    ['a character in a quoted newline field', bytes('h\n"é\n€",😀\nx\n'), {}, [false, false]],
    [
      'an invalid byte in chunk 2 of 3 flags only chunk 2',
      bytes('h\na1\n', 'b', [0xff], '\n', 'c1\n'),
      {},
      [false, true, false],
    ],
    ['a latin1 é in chunk 1 of 2', bytes('h\ncaf', [0xe9], ',x\n', 'ok\n'), {}, [true, false]],
    ['a sequence cut short at EOF', bytes('h\na\nb', [0xf0, 0x9f, 0x98]), {}, [false, true]],
    ['a lead byte right before a terminator', bytes('h\na', [0xe2], '\nb\n'), {}, [true, false]],
    ['an invalid header does not taint the chunks', bytes('h', [0xff], '\na\n'), {}, [false]],
    ['a BOM is valid', bytes('\ufeffh\na\n'), { header: false }, [false, false]],
    [
      'trailing blank lines fold into an invalid last chunk',
      bytes('h\na\nb', [0xff], '\n\n\r\n'),
      {},
      [false, true],
    ],
    [
      'a big target: one chunk, one invalid byte',
      bytes('h\n', 'x\n'.repeat(50), [0xc3, 0x28], '\n'),
      { targetChunkBytes: 1 << 20 },
      [true],
    ],
  ])('%s', (_name, input, opts, expected) => {
    expect(flags(input, opts)).toEqual(expected);
  });
});
