import {
  CR as CR_BYTE,
  LF as LF_BYTE,
  bomLength,
  checkCsvSyntax,
  fieldStops,
  type CsvSyntax,
} from './csv-syntax';

// Imported bindings compile to getter calls (tsx, swc): the record loop reads local copies.
const LF = LF_BYTE;
const CR = CR_BYTE;
const EMPTY = Buffer.alloc(0);

/** How a field was written, which decides how its value is read from its bytes. */
export const FieldKind = {
  /** Unquoted: the value is the bytes as they are. */
  Plain: 0,
  /** Quoted, no `""` inside: the value is the bytes between the quotes. */
  Quoted: 1,
  /** Quoted with `""` inside: each pair stands for one quote. */
  QuotedEscaped: 2,
  /**
   * Text after the closing quote (`"ab"c`): csv-parse with `relax_quotes`
   * reads the field as a quote, the unescaped content, a quote, then the rest as written.
   */
  QuotedTrailing: 3,
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/**
 * One record, valid only during the callback that receives it (the reader
 * reuses it and the buffer it points into). Field `i` is
 * `buf[starts[i], ends[i])` read according to `kinds[i]`: for quoted fields
 * the range excludes the quotes, for QuotedTrailing it spans from the opening
 * quote to the field's end and `closes[i]` is the closing quote.
 */
export class CsvRecord {
  buf: Buffer = EMPTY;
  count = 0;
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  closes = new Int32Array(64);
  kinds = new Uint8Array(64);
  /** First byte of the record in `buf`. */
  start = 0;
  /**
   * End of the record's content in `buf` (its terminator excluded; for an
   * unclosed quote, a line break ending the input is taken as its terminator).
   */
  end = 0;
  /** The record ran to the end of the input inside a quoted field (CSV_QUOTE_NOT_CLOSED). */
  unclosedQuote = false;

  grow(): void {
    const size = this.starts.length * 2;
    const copy = <T extends Int32Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.starts = copy(this.starts, new Int32Array(size));
    this.ends = copy(this.ends, new Int32Array(size));
    this.closes = copy(this.closes, new Int32Array(size));
    this.kinds = copy(this.kinds, new Uint8Array(size));
  }
}

export interface CsvRecordReaderOptions extends CsvSyntax {
  /** Skip a UTF-8 byte-order mark at the very start (only true where the file itself starts). */
  skipBom: boolean;
  /** Absolute offset of the first byte pushed, for byte offsets of records. Default 0. */
  firstOffset?: number;
  /** Physical line of the first byte pushed. Default 1. */
  firstLine?: number;
  /**
   * Bytes of a new piece joined to the carried partial record to finish it; the rest of the
   * piece is then read in place. Default 4096; a record longer than that joins the whole piece.
   */
  bridgeBytes?: number;
}

export type RecordCallback = (record: CsvRecord) => void;

/**
 * Streaming record reader over Buffers, by the rules of csv-syntax.ts (the
 * chunk planner's, and csv-parse's with `relax_quotes`): a quote opens a
 * field only at the field's start; `""` inside a quoted field is one quote;
 * blank lines are skipped; an unclosed quote runs to the end of the input.
 *
 * It allocates nothing per record: each record is a set of offsets into the
 * current buffer. Bytes of a record split across pieces are carried into the
 * next buffer (at most one record, which the planner bounds). Line numbers
 * are counted lazily, only for the records that ask (`lineOf`, in order).
 */
export class CsvRecordReader {
  private readonly delimiter: number;
  private readonly quote: number;
  /** 1 for the bytes that end an unquoted field: delimiter, LF, CR (one lookup per byte). */
  private readonly stops: Uint8Array;
  private readonly record = new CsvRecord();
  private readonly bridgeBytes: number;
  private carry: Buffer = EMPTY;
  /** Absolute offset of `carry[0]` (then of the working buffer's first byte). */
  private base: number;
  private bomPending: boolean;
  /** Line counting checkpoint: `lineAtMark` is the physical line of working-buffer byte `mark`. */
  private work: Buffer = EMPTY;
  private mark = 0;
  private lineAtMark: number;
  private done = false;
  /** Next CR at or after `mark` in `crBuf` (-1: none). */
  private crBuf: Buffer = EMPTY;
  private nextCr = -1;
  /** Where `unescapedField` writes; grown to the longest escaped field, then reused. */
  scratch: Buffer = Buffer.allocUnsafe(4096);

  constructor(options: CsvRecordReaderOptions) {
    checkCsvSyntax(options);
    this.delimiter = options.delimiter;
    this.quote = options.quote;
    this.stops = fieldStops(options.delimiter);
    this.base = options.firstOffset ?? 0;
    this.lineAtMark = options.firstLine ?? 1;
    this.bomPending = options.skipBom;
    this.bridgeBytes = options.bridgeBytes ?? 4096;
  }

  /** Reads every record that `piece` completes; the rest waits for the next piece. */
  push(piece: Buffer, onRecord: RecordCallback): void {
    if (this.done) throw new Error('CsvRecordReader.push() called after finish()');
    if (piece.length === 0) return;
    const carried = this.carry.length;
    if (carried === 0) {
      this.read(piece, false, onRecord);
      return;
    }
    if (!this.bomPending && piece.length > this.bridgeBytes) {
      // The carried record usually ends early in the new piece: join only a bridge of its
      // first bytes, then read on inside the piece itself, instead of copying all of it.
      const bridge = Buffer.concat([this.carry, piece.subarray(0, this.bridgeBytes)]);
      const at = this.readRecords(bridge, false, onRecord);
      if (at >= carried) {
        this.consume(bridge, at);
        this.carry = EMPTY;
        this.read(piece.subarray(at - carried), false, onRecord);
        return;
      }
      // The carried record is longer than the bridge. Nothing was read (the carry starts with
      // that record), so the whole piece is joined after it.
    }
    this.read(Buffer.concat([this.carry, piece]), false, onRecord);
  }

  /** Reads what is left as the input's last record(s). */
  finish(onRecord: RecordCallback): void {
    if (this.done) return;
    this.done = true;
    this.read(this.carry, true, onRecord);
    this.carry = EMPTY;
  }

  /** Absolute byte offset of a record's first byte. */
  offsetOf(record: CsvRecord): number {
    return this.base + record.start;
  }

  /**
   * Physical line of a record's first byte. Call it for records in input
   * order only: the count moves forward from the last record asked about.
   */
  lineOf(record: CsvRecord): number {
    this.advanceMark(record.start);
    return this.lineAtMark;
  }

  /** The value of field `i`, unescaped, as a Buffer (copied only where quotes must be removed). */
  fieldBytes(record: CsvRecord, i: number): Buffer {
    const buf = record.buf;
    const start = record.starts[i] as number;
    const end = record.ends[i] as number;
    switch (record.kinds[i] as FieldKind) {
      case FieldKind.Plain:
      case FieldKind.Quoted:
        return buf.subarray(start, end);
      case FieldKind.QuotedEscaped:
        return unescapeQuotes(buf, start, end, this.quote);
      case FieldKind.QuotedTrailing: {
        const close = record.closes[i] as number;
        const inner = unescapeQuotes(buf, start + 1, close, this.quote);
        return Buffer.concat([buf.subarray(start, start + 1), inner, buf.subarray(close, end)]);
      }
    }
  }

  /**
   * Field `i` (kind QuotedEscaped) unescaped into `scratch`, whose first bytes it returns
   * the length of. Valid until the next call: no Buffer per field, which long quoted text
   * otherwise allocates for every row and then copies once more.
   */
  unescapedField(record: CsvRecord, i: number): number {
    const start = record.starts[i] as number;
    const end = record.ends[i] as number;
    if (this.scratch.length < end - start) {
      this.scratch = Buffer.allocUnsafe(Math.max(end - start, this.scratch.length * 2));
    }
    return unescapeQuotesInto(record.buf, start, end, this.quote, this.scratch);
  }

  private advanceMark(to: number): void {
    const buf = this.work;
    let line = this.lineAtMark;
    // CRLF is one line break, and so are a lone CR and a lone LF: count every LF, and
    // every CR not followed by one. Jumps with indexOf (memchr), not a loop over every byte.
    for (let i = buf.indexOf(LF, this.mark); i >= 0 && i < to; i = buf.indexOf(LF, i + 1)) line++;
    // The next CR is remembered: most files have none, and one search per buffer finds that.
    if (this.crBuf !== buf || (this.nextCr >= 0 && this.nextCr < this.mark)) {
      this.crBuf = buf;
      this.nextCr = buf.indexOf(CR, this.mark);
    }
    while (this.nextCr >= 0 && this.nextCr < to) {
      if (buf[this.nextCr + 1] !== LF) line++;
      this.nextCr = buf.indexOf(CR, this.nextCr + 1);
    }
    this.lineAtMark = line;
    this.mark = to;
  }

  /** Reads the records `buf` completes, then carries what is left. */
  private read(buf: Buffer, final: boolean, onRecord: RecordCallback): void {
    const at = this.readRecords(buf, final, onRecord);
    if (at >= 0) this.keepCarry(buf, at);
  }

  /**
   * Reads the records `buf` completes; returns the offset reading stopped at (the start of an
   * incomplete record, or the end), or -1 when the whole buffer became the carry (a BOM
   * still undecided).
   */
  private readRecords(buf: Buffer, final: boolean, onRecord: RecordCallback): number {
    // The checkpoint moves to the new buffer: the carried bytes start it.
    this.work = buf;
    this.mark = 0;
    const n = buf.length;
    let i = 0;
    if (this.bomPending) {
      if (n < 3 && !final) {
        this.carry = Buffer.from(buf);
        return -1;
      }
      this.bomPending = false;
      i = bomLength(buf);
      this.mark = i;
    }
    const record = this.record;
    record.buf = buf;
    while (i < n) {
      // Blank lines are not records.
      const c = buf[i];
      if (c === LF) {
        i++;
        continue;
      }
      if (c === CR) {
        if (i + 1 < n) {
          i += buf[i + 1] === LF ? 2 : 1;
          continue;
        }
        if (!final) break;
        i++;
        continue;
      }
      const next = this.readRecord(buf, i, final);
      if (next < 0) break; // incomplete: wait for more bytes
      onRecord(record);
      i = next;
    }
    return i;
  }

  private keepCarry(buf: Buffer, from: number): void {
    this.consume(buf, from);
    // Copied: the caller may reuse the piece.
    this.carry = from >= buf.length ? EMPTY : Buffer.from(buf.subarray(from));
  }

  /** Lines up to `from` are counted now, and the next buffer starts at its absolute offset. */
  private consume(buf: Buffer, from: number): void {
    this.advanceMark(from);
    this.base += from;
  }

  /**
   * Reads the record starting at `at` into this.record; returns the offset
   * after its terminator, or -1 when the buffer ends before the record does
   * and more input may follow.
   */
  private readRecord(buf: Buffer, at: number, final: boolean): number {
    const n = buf.length;
    const d = this.delimiter;
    const q = this.quote;
    const stops = this.stops;
    const r = this.record;
    r.start = at;
    r.unclosedQuote = false;
    let count = 0;
    let i = at;
    for (;;) {
      if (count === r.starts.length) r.grow();
      if (buf[i] === q) {
        // Quoted field: find the closing quote, skipping `""` pairs.
        let j = i + 1;
        let kind: FieldKind = FieldKind.Quoted;
        let close: number;
        for (;;) {
          const found = buf.indexOf(q, j);
          if (found < 0) {
            if (!final) return -1;
            r.unclosedQuote = true;
            r.count = count;
            r.end = withoutTerminator(buf, n);
            return n;
          }
          if (found + 1 < n && buf[found + 1] === q) {
            kind = FieldKind.QuotedEscaped;
            j = found + 2;
            continue;
          }
          if (found + 1 >= n && !final) return -1; // the next byte may be a second quote
          close = found;
          break;
        }
        let end = close + 1;
        const after = buf[end];
        if (end < n && stops[after as number] !== 1) {
          // Data after the closing quote: read on to the field's end as written.
          while (end < n && stops[buf[end] as number] !== 1) end++;
          if (end >= n && !final) return -1;
          r.starts[count] = i;
          r.ends[count] = end;
          r.closes[count] = close;
          r.kinds[count] = FieldKind.QuotedTrailing;
        } else {
          r.starts[count] = i + 1;
          r.ends[count] = close;
          r.kinds[count] = kind;
        }
        i = end;
      } else {
        let j = i;
        while (j < n && stops[buf[j] as number] !== 1) j++;
        if (j >= n && !final) return -1;
        r.starts[count] = i;
        r.ends[count] = j;
        r.kinds[count] = FieldKind.Plain;
        i = j;
      }
      count++;
      if (i >= n) {
        // The input ends the record (final: otherwise we returned above).
        r.count = count;
        r.end = n;
        return n;
      }
      const c = buf[i];
      if (c === d) {
        i++;
        if (i >= n) {
          if (!final) return -1;
          // A trailing delimiter at the very end: one more, empty field.
          if (count === r.starts.length) r.grow();
          r.starts[count] = n;
          r.ends[count] = n;
          r.kinds[count] = FieldKind.Plain;
          r.count = count + 1;
          r.end = n;
          return n;
        }
        continue;
      }
      r.count = count;
      r.end = i;
      if (c === LF) return i + 1;
      // CR: alone, or the first half of CRLF, which may be split across pieces.
      if (i + 1 < n) return buf[i + 1] === LF ? i + 2 : i + 1;
      return final ? i + 1 : -1;
    }
  }
}

/** `end` less one trailing LF, CRLF or CR. */
function withoutTerminator(buf: Buffer, end: number): number {
  if (buf[end - 1] === LF) return buf[end - 2] === CR ? end - 2 : end - 1;
  return buf[end - 1] === CR ? end - 1 : end;
}

/** The bytes of a quoted field's content with each `""` read as one quote. */
export function unescapeQuotes(buf: Buffer, start: number, end: number, quote: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  return out.subarray(0, unescapeQuotesInto(buf, start, end, quote, out));
}

/** `unescapeQuotes` into `out` (at least `end - start` long); returns the length written. */
export function unescapeQuotesInto(
  buf: Buffer,
  start: number,
  end: number,
  quote: number,
  out: Buffer,
): number {
  let o = 0;
  let i = start;
  // Copies the run up to and including each quote, then skips its double. Long runs go
  // by memcpy, short ones byte by byte (Buffer#copy costs more than a short loop); long
  // quoted text spent most of its unescaping time in a per-byte loop.
  while (i < end) {
    const q = buf.indexOf(quote, i);
    const stop = q < 0 || q >= end ? end : q + 1;
    if (stop - i >= 64) o += buf.copy(out, o, i, stop);
    else for (let k = i; k < stop; k++) out[o++] = buf[k] as number;
    i = stop + 1;
  }
  return o;
}
