import { daysFromCivil, isLeapYear } from '@ingest/normalize';
import type { CopyRowWriter } from './copy-row-writer';
import { RowBuffer } from './row-buffer';

/**
 * Writes rows of PostgreSQL's binary COPY format, turning each value's
 * canonical text into the column type's binary form here rather than in the
 * server: that halves the database's CPU per row (measured, see
 * docs/benchmarks.md). Only the types below; a table with any other column
 * type is loaded in text format (see binaryColumnKind).
 */
const Kind = {
  Text: 0,
  Int4: 1,
  Int8: 2,
  Numeric: 3,
  Bool: 4,
  Date: 5,
  Timestamp: 6,
  TimestampTz: 7,
  Uuid: 8,
  Jsonb: 9,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];
export type BinaryColumnKind = Kind;

/** The binary encoding for a column of this type (format_type's spelling), or null. */
export function binaryColumnKind(type: string): Kind | null {
  if (type === 'text' || type === 'character varying' || type.startsWith('character varying('))
    return Kind.Text;
  switch (type) {
    case 'integer':
      return Kind.Int4;
    case 'bigint':
      return Kind.Int8;
    case 'boolean':
      return Kind.Bool;
    case 'date':
      return Kind.Date;
    case 'timestamp without time zone':
      return Kind.Timestamp;
    case 'timestamp with time zone':
      return Kind.TimestampTz;
    case 'uuid':
      return Kind.Uuid;
    case 'jsonb':
      return Kind.Jsonb;
    default:
      return type === 'numeric' || type.startsWith('numeric(') ? Kind.Numeric : null;
  }
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const ZERO = 0x30;
const MINUS = 0x2d;
const DOT = 0x2e;
const TWO_32 = 4294967296;
/** 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01. */
const PG_EPOCH_DAYS = 10957;
const UUID_PAIRS = Uint8Array.from([0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]);
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[ZERO + i] = i;
for (let i = 0; i < 6; i++) HEX[0x61 + i] = 10 + i;

const digitsAt = (src: Buffer, at: number, count: number): number => {
  let n = 0;
  for (let i = at; i < at + count; i++) n = n * 10 + ((src[i] as number) - ZERO);
  return n;
};

/** Days from 2000-01-01 to January 1st of each year 0…9999, and to each month's first day. */
const YEAR_START = Int32Array.from({ length: 10_000 }, (_, y) =>
  y === 0 ? 0 : daysFromCivil(y, 1, 1) - PG_EPOCH_DAYS,
);
const MONTH_START = [false, true].map((leap) => {
  const lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const starts = new Int32Array(13);
  for (let m = 1; m < 12; m++) starts[m + 1] = (starts[m] as number) + (lengths[m - 1] as number);
  return starts;
});
const LEAP = Uint8Array.from({ length: 10_000 }, (_, y) => (y > 0 && isLeapYear(y) ? 1 : 0));

/** A date (year 0…9999) as days since 2000-01-01: table lookups only. */
const daysSince2000 = (y: number, m: number, d: number): number =>
  (YEAR_START[y] as number) + ((MONTH_START[LEAP[y] as number] as Int32Array)[m] as number) + d - 1;

/** `v` as 16 bits, big-endian, at `p`; returns the offset after it. */
const putInt16At = (b: Buffer, p: number, v: number): number => {
  b[p] = (v >>> 8) & 0xff;
  b[p + 1] = v & 0xff;
  return p + 2;
};

/** C's rint (round half to even), as PostgreSQL rounds fractional seconds. */
const rint = (x: number): number => {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

export class CopyBinaryWriter extends RowBuffer implements CopyRowWriter {
  private readonly kinds: Uint8Array;
  private readonly fields: number;
  private started = false;
  private inRow = false;
  /** numeric's digit groups, reused. */
  private groups = new Uint16Array(64);
  /** Bytes of a non-text value the string path made, reused. */
  private scratch = Buffer.allocUnsafe(256);

  /** `kinds`: binaryColumnKind of each column; `positions`: rows end with a bigint position. */
  constructor(kinds: readonly Kind[], positions: boolean, flushBytes = 256 * 1024) {
    super(flushBytes);
    this.kinds = Uint8Array.from(kinds);
    this.fields = kinds.length + (positions ? 1 : 0);
  }

  cell(column: number, src: Buffer, start: number, end: number): void {
    this.beginRow();
    switch (this.kinds[column] as Kind) {
      case Kind.Text:
        return this.bytes(src, start, end);
      case Kind.Int4:
        return this.int4(src, start, end);
      case Kind.Int8:
        return this.int8(src, start, end);
      case Kind.Numeric:
        return this.numeric(src, start, end);
      case Kind.Bool:
        this.length(1);
        this.buf[this.pos++] = src[start] === 0x74 ? 1 : 0; // 't'
        return;
      case Kind.Date:
        this.length(4);
        return this.putInt32(this.days(src, start));
      case Kind.Timestamp:
        return this.timestamp(src, start, end, false);
      case Kind.TimestampTz:
        return this.timestamp(src, start, end, true);
      case Kind.Uuid:
        return this.uuid(src, start);
      case Kind.Jsonb:
        this.length(end - start + 1);
        this.buf[this.pos++] = 1; // jsonb's format version
        this.copy(src, start, end);
        return;
    }
  }

  /** A value the string path made: text written in place, others read from a reused scratch. */
  cellString(column: number, value: string): void {
    const kind = this.kinds[column] as Kind;
    // UTF-8 takes at most 3 bytes per UTF-16 unit; a long value is measured instead.
    const room = value.length <= 4096 ? value.length * 3 : Buffer.byteLength(value, 'utf8');
    if (kind === Kind.Text || kind === Kind.Jsonb) {
      this.beginRow();
      const version = kind === Kind.Jsonb ? 1 : 0;
      this.ensure(4 + version + room);
      const at = this.pos;
      let p = at + 4;
      if (version === 1) this.buf[p++] = 1; // jsonb's format version
      const n = this.buf.write(value, p, 'utf8');
      this.putInt32(version + n); // the length word before the bytes just written
      this.pos = p + n;
      return;
    }
    if (this.scratch.length < room) this.scratch = Buffer.allocUnsafe(Math.max(room, 256) * 2);
    this.cell(column, this.scratch, 0, this.scratch.write(value, 0, 'utf8'));
  }

  /** Days since 2000-01-01 from the parts, without reading ISO text again. */
  cellDate(_column: number, year: number, month: number, day: number): void {
    this.beginRow();
    this.length(4);
    this.putInt32(daysSince2000(year, month, day));
  }

  cellNull(): void {
    this.beginRow();
    this.ensure(4);
    this.putInt32(-1);
  }

  position(value: number): void {
    this.beginRow();
    this.length(8);
    this.putInt64(value);
  }

  endRow(): void {
    this.beginRow(); // a row of no values still has its field count
    this.rowEnded();
    this.inRow = false;
  }

  override discardRow(): void {
    super.discardRow();
    this.inRow = false;
  }

  /** The last rows and the trailer that ends the COPY data. */
  override takeRest(): Buffer | null {
    this.header();
    this.ensure(2);
    this.putInt16(0xffff); // -1 fields: the end of the data
    this.rowEnded();
    return super.takeRest();
  }

  private header(): void {
    if (this.started) return;
    this.started = true;
    this.ensure(SIGNATURE.length + 8);
    this.copy(SIGNATURE, 0, SIGNATURE.length);
    this.putInt32(0); // flags: no OIDs
    this.putInt32(0); // no header extension
    this.rowEnded();
  }

  private beginRow(): void {
    if (this.inRow) return;
    this.header();
    this.inRow = true;
    this.ensure(2);
    this.putInt16(this.fields);
  }

  /** A field's length word, with room for its bytes. */
  private length(n: number): void {
    this.ensure(n + 4);
    this.putInt32(n);
  }

  private putInt32(v: number): void {
    const b = this.buf;
    let p = this.pos;
    b[p++] = (v >>> 24) & 0xff;
    b[p++] = (v >>> 16) & 0xff;
    b[p++] = (v >>> 8) & 0xff;
    b[p++] = v & 0xff;
    this.pos = p;
  }

  /** A safe integer (|v| < 2⁵³) as int64, two's complement. */
  private putInt64(v: number): void {
    const hi = Math.floor(v / TWO_32);
    this.putInt32(hi | 0);
    this.putInt32((v - hi * TWO_32) >>> 0);
  }

  private copy(src: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n <= 32) {
      const b = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) b[p++] = src[i] as number;
      this.pos = p;
    } else {
      this.pos += src.copy(this.buf, this.pos, start, end);
    }
  }

  private bytes(src: Buffer, start: number, end: number): void {
    this.length(end - start);
    this.copy(src, start, end);
  }

  private int4(src: Buffer, start: number, end: number): void {
    const negative = src[start] === MINUS;
    const n = digitsAt(src, negative ? start + 1 : start, end - start - (negative ? 1 : 0));
    this.length(4);
    this.putInt32(negative ? -n : n);
  }

  private int8(src: Buffer, start: number, end: number): void {
    const negative = src[start] === MINUS;
    const digits = end - start - (negative ? 1 : 0);
    this.length(8);
    if (digits <= 15) {
      const n = digitsAt(src, negative ? start + 1 : start, digits);
      this.putInt64(negative ? -n : n);
      return;
    }
    // Beyond 2⁵³ a double is not exact: the rare long value goes through BigInt.
    this.pos = this.buf.writeBigInt64BE(BigInt(src.toString('latin1', start, end)), this.pos);
  }

  /**
   * numeric's binary form: base-10000 digits around the decimal point,
   * weight (of the first digit group), sign, and the display scale (digits
   * written after the point), leading and trailing zero groups left out.
   */
  private numeric(src: Buffer, start: number, end: number): void {
    const negative = src[start] === MINUS;
    const from = negative ? start + 1 : start;
    let dot = from;
    while (dot < end && src[dot] !== DOT) dot++;
    const scale = dot < end ? end - dot - 1 : 0;
    // Digits laid out in groups of 4 aligned on the point: `lead` zeros pad the integer part.
    const intDigits = dot - from;
    const lead = (4 - (intDigits % 4)) % 4;
    const intGroups = (intDigits + lead) / 4;
    const count = intGroups + Math.ceil(scale / 4);
    if (this.groups.length < count) this.groups = new Uint16Array(count * 2);
    const groups = this.groups;
    // One pass over the digits, integer part then fraction, four to a group.
    let g = 0;
    let v = 0;
    let k = lead;
    for (let i = from; i < end; i++) {
      if (i === dot) continue;
      v = v * 10 + ((src[i] as number) - ZERO);
      if (++k === 4) {
        groups[g++] = v;
        v = 0;
        k = 0;
      }
    }
    if (k > 0) {
      for (; k < 4; k++) v *= 10;
      groups[g] = v;
    }
    let first = 0;
    while (first < count && groups[first] === 0) first++;
    let last = count;
    while (last > first && groups[last - 1] === 0) last--;
    const n = last - first;
    this.length(8 + 2 * n);
    // Header words, then the groups: written through locals (the field reads cost as much).
    const b = this.buf;
    let p = putInt16At(b, this.pos, n);
    p = putInt16At(b, p, n === 0 ? 0 : intGroups - 1 - first); // weight of the first group
    p = putInt16At(b, p, negative && n > 0 ? 0x4000 : 0);
    p = putInt16At(b, p, scale);
    for (let j = first; j < last; j++) p = putInt16At(b, p, groups[j] as number);
    this.pos = p;
  }

  private putInt16(v: number): void {
    this.pos = putInt16At(this.buf, this.pos, v);
  }

  /** `YYYY-MM-DD` at `at` as days since 2000-01-01 (table lookups: one per row and column). */
  private days(src: Buffer, at: number): number {
    const y = digitsAt(src, at, 4);
    const m = digitsAt(src, at + 5, 2);
    const d = digitsAt(src, at + 8, 2);
    return daysSince2000(y, m, d);
  }

  /**
   * `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z|±HH:MM[:SS]]` as microseconds since
   * 2000-01-01 (UTC for timestamptz, wall time for timestamp), fractions
   * rounded to the microsecond as PostgreSQL rounds them.
   */
  private timestamp(src: Buffer, start: number, end: number, tz: boolean): void {
    let seconds =
      this.days(src, start) * 86400 +
      digitsAt(src, start + 11, 2) * 3600 +
      digitsAt(src, start + 14, 2) * 60 +
      digitsAt(src, start + 17, 2);
    let i = start + 19;
    let micros = 0;
    if (src[i] === DOT) {
      const from = ++i;
      while (i < end && (src[i] as number) >= ZERO && (src[i] as number) <= 0x39) i++;
      const n = i - from;
      if (n <= 6) micros = digitsAt(src, from, n) * 10 ** (6 - n);
      else micros = rint(Number(`0.${src.toString('latin1', from, i)}`) * 1e6);
      if (micros === 1e6) {
        seconds++;
        micros = 0;
      }
    }
    if (tz && i < end) {
      const c = src[i] as number;
      if (c !== 0x5a) {
        // ±HH:MM[:SS]
        let offset = digitsAt(src, i + 1, 2) * 3600 + digitsAt(src, i + 4, 2) * 60;
        if (end - i > 6) offset += digitsAt(src, i + 7, 2);
        seconds -= c === MINUS ? -offset : offset;
      }
    }
    this.length(8);
    const total = seconds * 1e6 + micros;
    if (Number.isSafeInteger(total)) this.putInt64(total);
    else this.pos = this.buf.writeBigInt64BE(BigInt(seconds) * 1000000n + BigInt(micros), this.pos);
  }

  /** 8-4-4-4-12 hex digits: the byte pairs start at these offsets (hyphens in between). */
  private uuid(src: Buffer, start: number): void {
    this.length(16);
    const b = this.buf;
    let p = this.pos;
    for (let k = 0; k < 16; k++) {
      const i = start + (UUID_PAIRS[k] as number);
      b[p++] = ((HEX[src[i] as number] as number) << 4) | (HEX[src[i + 1] as number] as number);
    }
    this.pos = p;
  }
}
