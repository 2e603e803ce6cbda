import { errors } from '@ingest/errors';
import { CR as CR_BYTE, LF as LF_BYTE, UTF8_BOM, checkCsvSyntax } from './csv-syntax';
import { RecordCapture } from './record-capture';
import { Utf8Validator } from './utf8-validator';

// Imported bindings compile to getter calls (tsx, swc): the scan loop reads local copies.
const LF = LF_BYTE;
const CR = CR_BYTE;
const BOM = UTF8_BOM;
const EMPTY = Buffer.alloc(0);

export interface PlannedChunk {
  /** 0-based, consecutive. */
  index: number;
  /** Absolute byte offset, inclusive; always a record boundary. */
  start: number;
  /** Absolute byte offset, exclusive; always a record boundary. */
  end: number;
  /** 1-based physical line number of byte `start`. */
  firstLine: number;
  /** 1-based physical line number of byte `end`: the next chunk's `firstLine`. */
  endLine: number;
  /** Non-empty records inside [start, end). */
  records: number;
  /** The bytes of [start, end) are not valid UTF-8 (the loader may then decode them as latin1). */
  invalidUtf8: boolean;
}

export interface ChunkPlannerOptions {
  /** A chunk ends at the first record boundary at or after start + targetChunkBytes (>= 1). */
  targetChunkBytes: number;
  /**
   * The first chunk's target, doubled for each next chunk until it reaches targetChunkBytes
   * (chunkTarget): loaders start on the first rows after a few MiB are scanned, not a whole
   * chunk's worth. Default (or >= targetChunkBytes): every chunk aims at targetChunkBytes.
   */
  firstChunkBytes?: number;
  /** Quote byte, e.g. 0x22. */
  quote: number;
  /** Delimiter byte, e.g. 0x2c: a quote opens a quoted field only at a field's start. */
  delimiter: number;
  /** A single record longer than this (terminator excluded) is rejected with CSV_RECORD_TOO_LARGE. */
  maxRecordBytes: number;
  /** true: the first non-empty record is the header, excluded from every chunk. */
  header: boolean;
  /**
   * Continue a plan whose chunks before `offset` are already known (a resumed scan):
   * the scan then starts at byte `offset` of the object, which must be the `end` of
   * the last chunk planned before. Default: start at byte 0.
   */
  resumeAt?: PlannerResumePoint;
}

/** Where an earlier scan stopped: the end of its last chunk, and what it had counted up to there. */
export interface PlannerResumePoint {
  /** The `end` of the last planned chunk (a record boundary outside quotes), >= 3. */
  offset: number;
  /** Its `endLine`. */
  line: number;
  /** Chunks planned before `offset` (the next chunk's index). */
  chunks: number;
  /** Records in those chunks. */
  records: number;
  /** The header record's bytes (header mode). */
  header: Buffer | undefined;
}

/** The target of chunk `index`: `first` doubled `index` times, at most `target`. */
function chunkTarget(index: number, first: number, target: number): number {
  return first >= target ? target : Math.min(target, first * 2 ** Math.min(index, 52));
}

/**
 * The streaming boundary scan: exact, record-aligned chunks of a whole file,
 * read by the rules of csv-syntax.ts (the record reader reads each chunk by
 * the same rules, so every chunk holds exactly the records counted for it).
 * Per chunk it reports its byte range, first physical line, record count and
 * whether its bytes are valid UTF-8; it keeps the header record's bytes and
 * stops at a record longer than `maxRecordBytes` (CSV_RECORD_TOO_LARGE).
 *
 * Where csv-parse (the test oracle) reads differently, on malformed input
 * only (pinned in the tests):
 * - an unclosed quote runs to EOF as one record; csv-parse raises
 *   CSV_QUOTE_NOT_CLOSED for it, which the loader turns into one reject, so
 *   the counts still reconcile;
 * - U+FEFF after byte 0 is data here, but csv-parse with `bom: true` strips
 *   it when it happens to start a chunk: a quote right after it, or a line of
 *   only U+FEFF, then reads differently. The record reader skips a BOM only
 *   for the chunk that starts at byte 0 (`skipBom`), and so agrees.
 *
 * The scan jumps between quote, LF and CR bytes with Buffer#indexOf (native
 * memchr) instead of a per-byte JS loop, which measured ~2.5x faster; the
 * delimiter is only looked at just before a quote. It allocates nothing per
 * record and keeps no object bytes except the header.
 *
 * A chunk is never emitted with zero records: it keeps growing until it holds
 * one. The last completed chunk is held back until the next non-empty record
 * completes, so a trailing run of blank lines can still be folded into it.
 */
export class ChunkPlanner {
  private readonly targetChunkBytes: number;
  private readonly firstChunkBytes: number;
  /** The current chunk's target (chunkTarget of its index). */
  private target: number;
  private readonly quote: number;
  private readonly delimiter: number;
  private readonly maxRecordBytes: number;

  private offset = 0;
  private inQuote = false;
  /** Absolute offset of the quote that last closed a quoted field: a quote right after it is `""`. */
  private closedAt = -2;
  /** A CR outside quotes ended the previous piece: it may be the first half of CRLF. */
  private crPending = false;
  /** Last byte of the previous piece (-1 before the first). */
  private lastByte = -1;
  /** The first bytes of the object, until it is known whether they are a BOM. */
  private readonly bomProbe: number[] = [];
  /** Physical line of the next byte to scan. */
  private line = 1;
  private recordStart = 0;

  /** -1 while the header record is still ahead. */
  private chunkStart: number;
  private chunkFirstLine = 1;
  private chunkRecords = 0;
  private held: PlannedChunk | undefined;
  private nextIndex = 0;
  private found = 0;

  private readonly capture: RecordCapture | undefined;
  private header: Buffer | undefined;

  private readonly utf8 = new Utf8Validator();
  /** Bytes of the current chunk before this offset have been fed to the validator. */
  private utf8From = 0;

  /** Output of the current push/finish call, and the piece being scanned. */
  private out: PlannedChunk[] = [];
  private piece: Buffer = EMPTY;
  private pieceBase = 0;
  private finished = false;

  constructor(options: ChunkPlannerOptions) {
    const { targetChunkBytes, quote, delimiter, maxRecordBytes } = options;
    if (!Number.isSafeInteger(targetChunkBytes) || targetChunkBytes < 1) {
      throw new RangeError(`targetChunkBytes must be an integer >= 1, got ${targetChunkBytes}`);
    }
    if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes < 1) {
      throw new RangeError(`maxRecordBytes must be an integer >= 1, got ${maxRecordBytes}`);
    }
    const first = options.firstChunkBytes ?? targetChunkBytes;
    if (!Number.isSafeInteger(first) || first < 1) {
      throw new RangeError(`firstChunkBytes must be an integer >= 1, got ${first}`);
    }
    checkCsvSyntax({ quote, delimiter });
    this.targetChunkBytes = targetChunkBytes;
    this.firstChunkBytes = first;
    this.target = chunkTarget(0, first, targetChunkBytes);
    this.quote = quote;
    this.delimiter = delimiter;
    this.maxRecordBytes = maxRecordBytes;
    this.capture = options.header ? new RecordCapture() : undefined;
    this.chunkStart = options.header ? -1 : 0;
    if (options.resumeAt) this.resume(options.resumeAt, options.header);
  }

  /**
   * The state the scan had at a chunk's end: outside quotes, no CR pending, a new
   * chunk and record starting there. The scan does not depend on where pieces
   * are cut, so continuing from here plans exactly what one whole scan would.
   */
  private resume(at: PlannerResumePoint, header: boolean): void {
    // Below 3 bytes the BOM probe would still be open: start over instead (nothing lost).
    if (!Number.isSafeInteger(at.offset) || at.offset < BOM.length) {
      throw new RangeError(`resumeAt.offset must be an integer >= 3, got ${at.offset}`);
    }
    if (header && at.header === undefined) {
      throw new RangeError('resumeAt.header is required in header mode');
    }
    this.offset = at.offset;
    this.recordStart = at.offset;
    this.chunkStart = at.offset;
    this.utf8From = at.offset;
    this.line = at.line;
    this.chunkFirstLine = at.line;
    this.nextIndex = at.chunks;
    this.target = chunkTarget(at.chunks, this.firstChunkBytes, this.targetChunkBytes);
    this.found = at.records;
    this.header = at.header && Buffer.from(at.header);
    this.bomProbe.push(-1, -1, -1); // decided long ago
  }

  get headerBytes(): Buffer | undefined {
    return this.header;
  }

  get recordsFound(): number {
    return this.found;
  }

  get bytesScanned(): number {
    return this.offset;
  }

  push(piece: Buffer): PlannedChunk[] {
    if (this.finished) throw new Error('ChunkPlanner.push() called after finish()');
    const out: PlannedChunk[] = [];
    const n = piece.length;
    if (n === 0) return out;
    this.out = out;
    this.piece = piece;
    this.pieceBase = this.offset;
    if (this.offset < BOM.length) this.probeBom(piece);

    let from = 0;
    if (this.crPending) {
      // Decide the CR left over from the previous piece; never split CR from LF.
      this.crPending = false;
      if (piece[0] === LF) {
        from = 1;
        this.endRecord(this.offset - 1, this.offset + 1);
      } else {
        this.endRecord(this.offset - 1, this.offset);
      }
    }
    this.scan(piece, from);
    this.lastByte = piece[n - 1] ?? -1;
    this.offset += n;
    if (this.chunkStart >= 0) {
      this.utf8.feed(piece.subarray(this.utf8From - this.pieceBase));
      this.utf8From = this.offset;
    }

    // Fail fast on a runaway record (e.g. a stray quote) instead of waiting for EOF.
    const open = this.offset - this.recordStart - (this.crPending ? 1 : 0);
    if (open > this.maxRecordBytes) {
      throw errors.recordTooLarge(this.maxRecordBytes, this.recordStart);
    }
    if (this.chunkStart < 0 && this.capture !== undefined && this.recordStart < this.offset) {
      this.capture.append(piece.subarray(Math.max(0, this.recordStart - this.pieceBase)));
    }
    this.piece = EMPTY;
    return out;
  }

  finish(): PlannedChunk[] {
    const out: PlannedChunk[] = [];
    if (this.finished) return out;
    this.finished = true;
    this.out = out;
    this.piece = EMPTY;
    this.pieceBase = this.offset;
    const end = this.offset;

    // The last record may lack a terminator, or sit inside a quote never closed.
    if (this.crPending) {
      this.crPending = false;
      this.endRecord(end - 1, end);
    } else if (this.recordStart < end) {
      this.endRecord(end, end);
    }

    if (this.held !== undefined) {
      // The remainder has no records: fold it into the held chunk so coverage stays exact.
      this.held.end = end;
      this.held.endLine = this.line;
      if (!this.utf8.end()) this.held.invalidUtf8 = true;
      out.push(this.held);
      this.held = undefined;
    } else if (this.chunkRecords > 0) {
      out.push(this.makeChunk(end));
    }
    return out;
  }

  /** Visits every quote, LF and CR of the piece in order, jumping with indexOf. */
  private scan(p: Buffer, from: number): void {
    const n = p.length;
    const q = this.quote;
    const base = this.pieceBase;
    let inQuote = this.inQuote;
    let nq = p.indexOf(q, from);
    if (nq < 0) nq = n;
    let nl = p.indexOf(LF, from);
    if (nl < 0) nl = n;
    let nc = p.indexOf(CR, from);
    if (nc < 0) nc = n;

    for (;;) {
      if (nq < nl && nq < nc) {
        if (inQuote && nq + 1 < n && p[nq + 1] === q) {
          // `""` inside quotes: one jump over both (free text is full of them).
          nq = p.indexOf(q, nq + 2);
          if (nq < 0) nq = n;
          continue;
        }
        const at = base + nq;
        if (inQuote) {
          // Closes the field; a quote starting the next piece reopens it below (`""` cut in two).
          inQuote = false;
          this.closedAt = at;
        } else if (
          at === this.recordStart ||
          at === this.closedAt + 1 ||
          (nq === 0 ? this.lastByte : p[nq - 1]) === this.delimiter
        ) {
          inQuote = true;
        } // else: a quote inside an unquoted field is data
        nq = p.indexOf(q, nq + 1);
        if (nq < 0) nq = n;
      } else if (nl < nc) {
        // A LF right after a CR (only possible inside quotes here) is the same line break.
        if (nl === 0 ? this.lastByte !== CR : p[nl - 1] !== CR) this.line++;
        if (!inQuote) this.endRecord(base + nl, base + nl + 1);
        nl = p.indexOf(LF, nl + 1);
        if (nl < 0) nl = n;
      } else {
        if (nc === n) break;
        this.line++;
        if (!inQuote) {
          const after = nc + 1;
          if (after === n) {
            this.crPending = true;
          } else if (p[after] === LF) {
            this.endRecord(base + nc, base + after + 1);
            nl = p.indexOf(LF, after + 1);
            if (nl < 0) nl = n;
          } else {
            this.endRecord(base + nc, base + after);
          }
        }
        nc = p.indexOf(CR, nc + 1);
        if (nc < 0) nc = n;
      }
    }
    this.inQuote = inQuote;
  }

  /**
   * Collects the object's first three bytes; a UTF-8 BOM moves the first
   * record's start past it, so a quote right after it opens a quoted field and
   * a BOM-only first line is blank, as csv-parse with `bom: true` reads them.
   */
  private probeBom(piece: Buffer): void {
    const probe = this.bomProbe;
    for (let i = 0; i < piece.length && probe.length < BOM.length; i++) {
      probe.push(piece[i] ?? -1);
    }
    if (probe.length < BOM.length || probe.some((b, i) => b !== BOM[i])) return;
    // No terminator can precede it, so the first record still starts at 0.
    this.recordStart = BOM.length;
    this.capture?.reset();
  }

  /** A record's content ends at `contentEnd`; its terminator ends at `boundary`. */
  private endRecord(contentEnd: number, boundary: number): void {
    const length = contentEnd - this.recordStart;
    if (length > this.maxRecordBytes) {
      throw errors.recordTooLarge(this.maxRecordBytes, this.recordStart);
    }
    if (this.chunkStart < 0) {
      this.beforeHeader(length, contentEnd, boundary);
      return;
    }
    if (length > 0) {
      this.chunkRecords++;
      this.found++;
      if (this.held !== undefined) {
        this.out.push(this.held);
        this.held = undefined;
      }
    }
    this.recordStart = boundary;
    if (this.chunkRecords > 0 && boundary - this.chunkStart >= this.target) {
      // Held back until a later record proves it is not the last chunk.
      this.held = this.makeChunk(boundary);
      this.target = chunkTarget(this.nextIndex, this.firstChunkBytes, this.targetChunkBytes);
      this.chunkStart = boundary;
      this.chunkFirstLine = this.line;
      this.chunkRecords = 0;
    }
  }

  /** Leading blank lines are skipped; the first non-empty record is the header. */
  private beforeHeader(length: number, contentEnd: number, boundary: number): void {
    const capture = this.capture;
    if (capture === undefined) return; // unreachable: chunkStart < 0 only in header mode
    if (length > 0) {
      const from = Math.max(0, this.recordStart - this.pieceBase);
      const to = Math.max(from, contentEnd - this.pieceBase);
      this.header = capture.take(this.piece.subarray(from, to), length);
      this.chunkStart = boundary;
      this.chunkFirstLine = this.line;
      this.utf8From = boundary;
    } else {
      capture.reset();
    }
    this.recordStart = boundary;
  }

  private makeChunk(end: number): PlannedChunk {
    // `end` is never before the piece being scanned (a pending CR is decided at its start).
    this.utf8.feed(this.piece.subarray(this.utf8From - this.pieceBase, end - this.pieceBase));
    this.utf8From = end;
    return {
      index: this.nextIndex++,
      start: this.chunkStart,
      end,
      firstLine: this.chunkFirstLine,
      endLine: this.line,
      records: this.chunkRecords,
      invalidUtf8: !this.utf8.end(),
    };
  }
}
