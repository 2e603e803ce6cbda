import { ChunkPlanner, type ChunkPlannerOptions, type PlannedChunk } from '../chunk-planner';

export interface PlanResult {
  chunks: PlannedChunk[];
  header: Buffer | undefined;
  recordsFound: number;
  bytesScanned: number;
}

/** Feeds `input` to a fresh planner in pieces whose sizes cycle through `pieceSizes`. */
export function planInPieces(
  input: Buffer,
  options: ChunkPlannerOptions,
  pieceSizes: readonly number[],
): PlanResult {
  const planner = new ChunkPlanner(options);
  const chunks: PlannedChunk[] = [];
  let offset = 0;
  for (let k = 0; offset < input.length; k++) {
    const size = Math.max(1, pieceSizes[k % pieceSizes.length] ?? 1);
    // Copy each piece so a planner that kept a reference to it would be caught.
    const piece = Buffer.from(input.subarray(offset, offset + size));
    chunks.push(...planner.push(piece));
    piece.fill(0);
    offset += size;
  }
  chunks.push(...planner.finish());
  return {
    chunks,
    header: planner.headerBytes,
    recordsFound: planner.recordsFound,
    bytesScanned: planner.bytesScanned,
  };
}
