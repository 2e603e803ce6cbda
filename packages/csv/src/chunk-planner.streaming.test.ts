import { isAppError } from '@ingest/errors';
import { ChunkPlanner } from './chunk-planner';
import { planInPieces } from './test-support/plan-in-pieces';
import { LAYOUTS, defaults } from './test-support/plan-all-layouts';

describe('ChunkPlanner', () => {
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
        {
          index: 9,
          start: 92,
          end: 102,
          firstLine: 20,
          endLine: 22,
          records: 2,
          invalidUtf8: false,
        },
      ]);
      expect(planner.recordsFound).toBe(20);
    });

    it('holds back the last chunk so trailing blank lines can be folded in', () => {
      const planner = new ChunkPlanner({ ...defaults, targetChunkBytes: 1 });
      expect(planner.push(Buffer.from('h\na\n'))).toEqual([]);
      expect(planner.push(Buffer.from('\n\n'))).toEqual([]);
      expect(planner.finish()).toEqual([
        { index: 0, start: 2, end: 6, firstLine: 2, endLine: 5, records: 1, invalidUtf8: false },
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
