import { ByteSource, type CharSource, StringSource } from './char-source';
import { type DateTimeParts, parseOffset } from './date-time-parts';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)? ?(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?)?$/;

/**
 * ISO 8601 / RFC 3339 and the common SQL-ish variant: `2024-03-27`,
 * `2024-03-27T10:00`, `2024-03-27 10:00:00.123456+01:00`, `…Z`, `… UTC`.
 * Fills `out` (ranges unchecked); false when the shape does not match.
 */
export function parseIsoDateTime(value: string, out: DateTimeParts): boolean {
  const m = ISO.exec(value);
  if (m === null) return false;
  out.year = Number(m[1]);
  out.month = Number(m[2]);
  out.day = Number(m[3]);
  out.hasTime = m[4] !== undefined;
  out.hour = out.hasTime ? Number(m[4]) : 0;
  out.minute = out.hasTime ? Number(m[5]) : 0;
  out.second = m[6] === undefined ? 0 : Number(m[6]);
  out.fraction = m[7] ?? '';
  if (m[8] === undefined) {
    out.offset = null;
    return true;
  }
  out.offset = parseOffset(m[8]);
  return out.offset !== null;
}

const code = (s: CharSource, i: number): number => s.code(i) - 48;

/** Two ASCII digits at i as a number, or -1. */
function two(s: CharSource, i: number): number {
  const a = code(s, i);
  const b = code(s, i + 1);
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Strict fast path without a regex for the canonical shape
 * `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z|±HH:MM]`, which PostgreSQL reads the same
 * under any DateStyle, so a match may be passed through untouched. Fills
 * `out` (ranges unchecked); false sends the value to parseIsoDateTime.
 */
export function scanIsoDateTime(v: string, out: DateTimeParts): boolean {
  return scanIso(text.of(v), out);
}

/** scanIsoDateTime for the bytes `buf[start, end)`. */
export function scanIsoDateTimeBytes(
  buf: Buffer,
  start: number,
  end: number,
  out: DateTimeParts,
): boolean {
  return scanIso(bytes.at(buf, start, end), out);
}

const text = new StringSource();
const bytes = new ByteSource();

function scanIso(v: CharSource, out: DateTimeParts): boolean {
  const n = v.length;
  if (n < 19) return false;
  const date = isoDateAt(v);
  const sep = v.code(10);
  if (date < 0 || (sep !== 0x54 && sep !== 0x20)) return false;
  const h = two(v, 11);
  const mi = two(v, 14);
  const s = two(v, 17);
  if (h < 0 || mi < 0 || s < 0 || v.code(13) !== 0x3a || v.code(16) !== 0x3a) return false;
  let i = 19;
  let fraction = '';
  if (v.code(i) === 0x2e) {
    const start = ++i;
    while (i < n && i - start < 9 && code(v, i) >= 0 && code(v, i) <= 9) i++;
    if (i === start) return false;
    fraction = v.text(start, i);
  }
  let offset: number | null = null;
  if (i < n) {
    const c = v.code(i);
    if (c === 0x5a && i + 1 === n) offset = 0;
    else if ((c === 0x2b || c === 0x2d) && i + 6 === n && v.code(i + 3) === 0x3a) {
      const oh = two(v, i + 1);
      const om = two(v, i + 4);
      if (oh < 0 || om < 0 || oh > 15 || om > 59) return false;
      offset = (c === 0x2d ? -1 : 1) * (oh * 3600 + om * 60);
    } else return false;
  }
  out.year = Math.floor(date / 10000);
  out.month = Math.floor(date / 100) % 100;
  out.day = date % 100;
  out.hour = h;
  out.minute = mi;
  out.second = s;
  out.fraction = fraction;
  out.offset = offset;
  out.hasTime = true;
  return true;
}

/**
 * Fast path for the most common cell, `YYYY-MM-DD`: the date as y*10000+m*100+d
 * without a regex or allocation, or -1 when the shape differs (ranges unchecked).
 */
export function isoDateShape(v: string): number {
  return v.length === 10 ? isoDateAt(text.of(v)) : -1;
}

/** isoDateShape for the bytes `buf[start, end)`. */
export function isoDateShapeBytes(buf: Buffer, start: number, end: number): number {
  return end - start === 10 ? isoDateAt(bytes.at(buf, start, end)) : -1;
}

/** The `YYYY-MM-DD` at the start of v as y*10000+m*100+d, or -1. */
function isoDateAt(v: CharSource): number {
  if (v.code(4) !== 45 || v.code(7) !== 45) return -1;
  let n = 0;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const c = code(v, i);
    if (!(c >= 0 && c <= 9)) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Looks like day and month in some order (`03/04/2024`, `3-4-24`, `03.04.2024`). */
export const DAY_MONTH_YEAR = /^\d{1,2}([/.-])\d{1,2}\1(?:\d{2}|\d{4})(?:$|[ T])/;
