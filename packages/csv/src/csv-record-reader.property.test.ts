import fc from 'fast-check';
import { CsvRecordReader } from './csv-record-reader';
import { csvArb, csvParseStartLines, parseCsv, pieceLayoutArb } from './test-support/csv-cases';
import { planInPieces } from './test-support/plan-in-pieces';

/**
 * The reader against csv-parse (the oracle): same records and fields for
 * random files fed in random piece sizes, and every record's line and byte
 * offset consistent with the file; and against the boundary scan: each
 * planned chunk read alone holds exactly the records the scan counted.
 */
describe('CsvRecordReader (property)', () => {
  // Bridges of every size: records finished in the bridge, in the piece, or too long for it.
  const bridgeArb = fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 40 }));

  it('reads exactly the records csv-parse reads, in any piece layout', () => {
    fc.assert(
      fc.property(csvArb, pieceLayoutArb, bridgeArb, (c, layout, bridgeBytes) => {
        const input = Buffer.from(c.text);
        const reader = new CsvRecordReader({
          delimiter: c.dialect.delimiter.charCodeAt(0),
          quote: c.dialect.quote.charCodeAt(0),
          skipBom: true,
          bridgeBytes,
        });
        const got: { fields: string[]; offset: number; line: number; length: number }[] = [];
        const collect = (r: Parameters<Parameters<CsvRecordReader['push']>[1]>[0]) => {
          got.push({
            fields: Array.from({ length: r.count }, (_, i) =>
              reader.fieldBytes(r, i).toString('utf8'),
            ),
            offset: reader.offsetOf(r),
            line: reader.lineOf(r),
            length: r.end - r.start,
          });
        };
        let at = 0;
        for (let k = 0; at < input.length; k++) {
          const size = layout[k % layout.length] ?? 1;
          const piece = Buffer.from(input.subarray(at, at + size));
          reader.push(piece, collect);
          piece.fill(0);
          at += size;
        }
        reader.finish(collect);

        const expected = parseCsv(input, c.dialect);
        expect(got.map((r) => r.fields)).toEqual(expected.map((r) => r.record));
        expect(got.map((r) => r.line)).toEqual(csvParseStartLines(expected));
        for (const [i, r] of got.entries()) {
          // The record's own bytes, cut out at its offset, parse back to the same fields.
          const own = input.subarray(r.offset, r.offset + r.length);
          expect(parseCsv(own, c.dialect)[0]?.record ?? ['']).toEqual(r.fields);
          if (i > 0) expect(r.offset).toBeGreaterThan(got[i - 1]?.offset ?? 0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads each planned chunk alone to the records the scan counted, from its first line', () => {
    fc.assert(
      fc.property(csvArb, pieceLayoutArb, fc.integer({ min: 1, max: 200 }), (c, layout, target) => {
        const input = Buffer.from(c.text);
        const syntax = {
          delimiter: c.dialect.delimiter.charCodeAt(0),
          quote: c.dialect.quote.charCodeAt(0),
        };
        const plan = planInPieces(
          input,
          { ...syntax, targetChunkBytes: target, maxRecordBytes: 1 << 20, header: c.header },
          layout,
        );
        const perChunk = plan.chunks.map((chunk) => {
          const reader = new CsvRecordReader({
            ...syntax,
            skipBom: chunk.start === 0,
            firstOffset: chunk.start,
            firstLine: chunk.firstLine,
          });
          const found: { offset: number; line: number }[] = [];
          const collect = (r: Parameters<Parameters<CsvRecordReader['push']>[1]>[0]) => {
            found.push({ offset: reader.offsetOf(r), line: reader.lineOf(r) });
          };
          reader.push(input.subarray(chunk.start, chunk.end), collect);
          reader.finish(collect);
          expect(found.length).toBe(chunk.records);
          for (const f of found) {
            expect(f.offset).toBeGreaterThanOrEqual(chunk.start);
            expect(f.offset).toBeLessThan(chunk.end);
          }
          return found;
        });
        // Together the chunks hold every record of the file after the header, at the same lines.
        const whole = new CsvRecordReader({ ...syntax, skipBom: true });
        const all: { offset: number; line: number }[] = [];
        const collect = (r: Parameters<Parameters<CsvRecordReader['push']>[1]>[0]) => {
          all.push({ offset: whole.offsetOf(r), line: whole.lineOf(r) });
        };
        whole.push(input, collect);
        whole.finish(collect);
        expect(perChunk.flat()).toEqual(c.header ? all.slice(1) : all);
      }),
      { numRuns: 1000 },
    );
  });
});
