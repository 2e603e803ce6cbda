import { escapeCopyText } from './copy-text';
import type { CopyRowWriter } from './copy-row-writer';
import { RowBuffer } from './row-buffer';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const MINUS = 0x2d;

/** Second byte of the escape for each byte COPY text must escape (0: none). */
const ESCAPE = new Uint8Array(256);
ESCAPE[BACKSLASH] = BACKSLASH;
ESCAPE[TAB] = 0x74; // \t
ESCAPE[LF] = 0x6e; // \n
ESCAPE[CR] = 0x72; // \r

/**
 * Writes rows of PostgreSQL COPY text format: tab-separated, `\N` for NULL,
 * values copied from the source bytes and escaped where needed.
 */
export class CopyTextWriter extends RowBuffer implements CopyRowWriter {
  /** Values written into the current row (a tab goes before each but the first). */
  private values = 0;

  constructor(flushBytes = 256 * 1024) {
    super(flushBytes);
  }

  cell(_column: number, src: Buffer, start: number, end: number, escapes: boolean): void {
    if (escapes) this.text(src, start, end);
    else this.raw(src, start, end);
  }

  cellString(_column: number, value: string): void {
    this.string(value);
  }

  cellNull(): void {
    this.nullValue();
  }

  /** `YYYY-MM-DD`, as PostgreSQL prints a date in ISO style. */
  cellDate(_column: number, year: number, month: number, day: number): void {
    this.separate(10);
    const buf = this.buf;
    const p = this.pos;
    const hi = Math.floor(year / 100);
    const lo = year - hi * 100;
    buf[p] = ZERO + Math.floor(hi / 10);
    buf[p + 1] = ZERO + (hi % 10);
    buf[p + 2] = ZERO + Math.floor(lo / 10);
    buf[p + 3] = ZERO + (lo % 10);
    buf[p + 4] = MINUS;
    buf[p + 5] = ZERO + Math.floor(month / 10);
    buf[p + 6] = ZERO + (month % 10);
    buf[p + 7] = MINUS;
    buf[p + 8] = ZERO + Math.floor(day / 10);
    buf[p + 9] = ZERO + (day % 10);
    this.pos = p + 10;
  }

  position(value: number): void {
    this.integer(value);
  }

  /** Bytes that need no escaping (digits, dates, UUIDs …). */
  raw(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.separate(n);
    const buf = this.buf;
    let p = this.pos;
    // Short values: a loop beats the native copy's call overhead.
    if (n <= 32) for (let i = start; i < end; i++) buf[p++] = src[i] as number;
    else p += src.copy(buf, p, start, end);
    this.pos = p;
  }

  /** Text from the source bytes, with backslash, tab, LF and CR escaped. */
  text(src: Buffer, start: number, end: number): void {
    this.separate(2 * (end - start));
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) {
      const c = src[i] as number;
      const e = ESCAPE[c] as number;
      if (e === 0) {
        buf[p++] = c;
      } else {
        buf[p++] = BACKSLASH;
        buf[p++] = e;
      }
    }
    this.pos = p;
  }

  /** A value given as a string (escaped and UTF-8 encoded). */
  string(value: string): void {
    const escaped = escapeCopyText(value);
    this.separate(3 * escaped.length);
    this.pos += this.buf.write(escaped, this.pos, 'utf8');
  }

  /** A non-negative safe integer, in decimal. */
  integer(value: number): void {
    this.separate(16);
    const buf = this.buf;
    let n = value;
    let digits = 1;
    while (n >= 10 ** digits) digits++;
    let p = this.pos + digits;
    this.pos = p;
    do {
      buf[--p] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  nullValue(): void {
    this.separate(2);
    this.buf[this.pos++] = BACKSLASH;
    this.buf[this.pos++] = 0x4e; // \N
  }

  /** Ends the current row. */
  endRow(): void {
    this.ensure(1);
    this.buf[this.pos++] = LF;
    this.rowEnded();
    this.values = 0;
  }

  override discardRow(): void {
    super.discardRow();
    this.values = 0;
  }

  /** Room for a value of up to `n` bytes, with the tab before it. */
  private separate(n: number): void {
    this.ensure(n + 1);
    if (this.values++ > 0) this.buf[this.pos++] = TAB;
  }
}
