import type { ChunkPlannerOptions } from '../chunk-planner';
import { planInPieces, type PlanResult } from './plan-in-pieces';
import { referencePlan } from './reference-planner';

export const BIG = 1 << 20;
export const defaults: ChunkPlannerOptions = {
  targetChunkBytes: BIG,
  quote: 0x22,
  delimiter: 0x2c,
  maxRecordBytes: BIG,
  header: true,
};

/** Piece layouts every table case is run with: 1 byte, small primes, everything at once. */
export const LAYOUTS: number[][] = [[1], [2], [3], [5, 1, 2], [7], [BIG]];

export interface Expected {
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

export function planAllLayouts(
  text: string | Buffer,
  options: Partial<ChunkPlannerOptions>,
): Expected {
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
