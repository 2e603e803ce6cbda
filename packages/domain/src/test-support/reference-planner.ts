import { errors } from '@ingest/errors';
import type { ChunkPlannerOptions, PlannedChunk } from '../chunk-planner';

const LF = 0x0a;
const CR = 0x0d;

/** One record as the naive model sees it; `end` includes the terminator. */
export interface ReferenceRecord {
  start: number;
  contentEnd: number;
  end: number;
  line: number;
}

/**
 * Deliberately naive, whole-buffer, byte-at-a-time model of the planner's
 * semantics, written independently of the streaming code to test it against.
 */
export function referenceRecords(bytes: Buffer, quote: number): ReferenceRecord[] {
  const records: ReferenceRecord[] = [];
  let inQuote = false;
  let line = 1;
  let start = 0;
  let startLine = 1;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === quote) {
      inQuote = !inQuote;
      i++;
    } else if (b === CR || b === LF) {
      const terminator = b === CR && bytes[i + 1] === LF ? 2 : 1;
      line++;
      if (!inQuote) {
        records.push({ start, contentEnd: i, end: i + terminator, line: startLine });
        start = i + terminator;
        startLine = line;
      }
      i += terminator;
    } else {
      i++;
    }
  }
  if (start < bytes.length) {
    records.push({ start, contentEnd: bytes.length, end: bytes.length, line: startLine });
  }
  return records;
}

export interface ReferencePlan {
  chunks: PlannedChunk[];
  header: Buffer | undefined;
  records: number;
}

export function referencePlan(bytes: Buffer, options: ChunkPlannerOptions): ReferencePlan {
  const all = referenceRecords(bytes, options.quote);
  const tooLarge = all.find((r) => r.contentEnd - r.start > options.maxRecordBytes);
  if (tooLarge !== undefined) throw errors.recordTooLarge(options.maxRecordBytes, tooLarge.start);

  let data = all;
  let header: Buffer | undefined;
  let start = 0;
  if (options.header) {
    const at = all.findIndex((r) => r.contentEnd > r.start);
    const headerRecord = all[at];
    if (headerRecord === undefined) return { chunks: [], header: undefined, records: 0 };
    header = bytes.subarray(headerRecord.start, headerRecord.contentEnd);
    data = all.slice(at + 1);
    start = headerRecord.end;
  }

  const chunks: PlannedChunk[] = [];
  let current: PlannedChunk | undefined;
  let records = 0;
  for (const r of data) {
    current ??= { index: chunks.length, start, end: -1, firstLine: r.line, records: 0 };
    if (r.contentEnd > r.start) {
      current.records++;
      records++;
    }
    if (current.records > 0 && r.end - current.start >= options.targetChunkBytes) {
      current.end = r.end;
      chunks.push(current);
      start = r.end;
      current = undefined;
    }
  }
  if (current !== undefined && current.records > 0) {
    current.end = bytes.length;
    chunks.push(current);
  } else {
    const last = chunks[chunks.length - 1];
    if (last !== undefined) last.end = bytes.length;
  }
  return { chunks, header, records };
}
