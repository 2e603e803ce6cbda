import { errors } from '@ingest/errors';
import { isUtf8 } from 'node:buffer';
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

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/**
 * Deliberately naive, whole-buffer, byte-at-a-time model of the planner's
 * semantics (csv-parse with `relax_quotes` and `bom`), written as an explicit
 * state machine independently of the streaming code to test it against.
 */
export function referenceRecords(
  bytes: Buffer,
  quote: number,
  delimiter: number,
): ReferenceRecord[] {
  const records: ReferenceRecord[] = [];
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let state: State = 'fieldStart';
  let line = 1;
  let start = bom ? 3 : 0;
  let startLine = 1;
  let i = start;
  while (i < bytes.length) {
    const b = bytes[i];
    const terminator = b === CR && bytes[i + 1] === LF ? 2 : b === CR || b === LF ? 1 : 0;
    if (terminator > 0) line++;
    if (state === 'quoted') {
      if (b === quote) state = 'quoteInQuoted';
      i += terminator || 1;
      continue;
    }
    if (state === 'quoteInQuoted' && b === quote) {
      state = 'quoted'; // `""`
      i++;
      continue;
    }
    if (terminator > 0) {
      records.push({ start, contentEnd: i, end: i + terminator, line: startLine });
      start = i + terminator;
      startLine = line;
      state = 'fieldStart';
      i += terminator;
      continue;
    }
    if (b === delimiter) state = 'fieldStart';
    else if (b === quote && state === 'fieldStart') state = 'quoted';
    else state = 'unquoted';
    i++;
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

/** Chunk `index`'s target: the first target doubled per chunk, up to targetChunkBytes. */
function targetOf(index: number, options: ChunkPlannerOptions): number {
  let target = options.firstChunkBytes ?? options.targetChunkBytes;
  for (let i = 0; i < index && target < options.targetChunkBytes; i++) target *= 2;
  return Math.min(target, options.targetChunkBytes);
}

export function referencePlan(bytes: Buffer, options: ChunkPlannerOptions): ReferencePlan {
  const all = referenceRecords(bytes, options.quote, options.delimiter);
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
    current ??= {
      index: chunks.length,
      start,
      end: -1,
      firstLine: r.line,
      endLine: -1,
      records: 0,
      invalidUtf8: false,
    };
    if (r.contentEnd > r.start) {
      current.records++;
      records++;
    }
    if (current.records > 0 && r.end - current.start >= targetOf(current.index, options)) {
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
  for (const c of chunks) {
    c.invalidUtf8 = !isUtf8(bytes.subarray(c.start, c.end));
    c.endLine = lineAt(bytes, c.end);
  }
  return { chunks, header, records };
}

/** 1-based physical line of byte `at`: line breaks before it (CRLF, lone CR, lone LF) + 1. */
function lineAt(bytes: Buffer, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === LF || (bytes[i] === CR && bytes[i + 1] !== LF)) line++;
  }
  return line;
}
