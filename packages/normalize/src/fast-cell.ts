/**
 * The byte path of a column: reads a cell straight from the file's bytes for
 * the shapes nearly every value has (already trimmed, canonical numbers, ISO
 * or declared-format dates and timestamps, canonical UUIDs, boolean words,
 * ASCII email addresses, enum spellings) and says what to write, without
 * making a string where it can. Anything else is CELL_SLOW: the
 * caller runs the column's string normalizer, which stays the definition —
 * every answer here equals its answer (tested against it on random input).
 */
import {
  civilSeconds as civilSecondsOf,
  formatOffset as formatOffsetOf,
  isValidDate as isValidDateOf,
} from './calendar';
import { lowerAsciiAt } from './ascii-case';
import * as outcome from './cell-outcome';
import type { CellOutcome, FastCell, MutableCell, TypeRead } from './cell-outcome';
import type { ColumnContext, CompiledColumn } from './compile-column';
import { numericDigitLimits } from './coerce-number';
import { compileDateTimeFormat } from './date-format';
import { emailRead } from './email-read';
import { enumRead } from './enum-read';
import { emptyParts, partsProblem as partsProblemOf } from './date-time-parts';
import {
  isoDateShapeBytes as isoDateShapeBytesOf,
  scanIsoDateTimeBytes as scanIsoDateTimeBytesOf,
} from './iso-date-time';
import { numberSyntax } from './number-syntax';
import type { ZoneOffsets } from './time-zone';
import { wallText as wallTextOf } from './coerce-timestamp';
import {
  endsWithSpace as endsWithSpaceOf,
  startsWithSpace as startsWithSpaceOf,
} from './whitespace';

export {
  CELL_DATE,
  CELL_NULL,
  CELL_OUT,
  CELL_SAME,
  CELL_SLOW,
  type CellOutcome,
  type FastCell,
} from './cell-outcome';

// Imported bindings compile to getter calls (tsx, swc); the per-cell path reads local copies.
const CELL_SAME = outcome.CELL_SAME;
const CELL_NULL = outcome.CELL_NULL;
const CELL_OUT = outcome.CELL_OUT;
const CELL_SLOW = outcome.CELL_SLOW;
const CELL_DATE = outcome.CELL_DATE;
const startsWithSpace = startsWithSpaceOf;
const endsWithSpace = endsWithSpaceOf;
const isoDateShapeBytes = isoDateShapeBytesOf;
const scanIsoDateTimeBytes = scanIsoDateTimeBytesOf;
const partsProblem = partsProblemOf;
const isValidDate = isValidDateOf;
const lowerAt = lowerAsciiAt;
const civilSeconds = civilSecondsOf;
const formatOffset = formatOffsetOf;
const wallText = wallTextOf;

const MINUS = 0x2d;
const ZERO = 0x30;
const DOT = 0x2e;

/** Digits only, at least one. */
function allDigits(buf: Buffer, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const d = (buf[i] as number) - ZERO;
    if (d < 0 || d > 9) return false;
  }
  return true;
}

/** integerCoercer's own fast path: `-?[1-9]\d{0,max-1}` or `0`, returned as written. */
function integerRead(maxDigits: number): TypeRead {
  return (buf, start, end) => {
    const i = buf[start] === MINUS ? start + 1 : start;
    const digits = end - i;
    if (buf[i] === ZERO) return digits === 1 && i === start ? CELL_SAME : CELL_SLOW;
    return digits <= maxDigits && allDigits(buf, i, end) ? CELL_SAME : CELL_SLOW;
  };
}

/** numericCoercer's fast path: `-?(0|[1-9]\d*)(\.\d+)?` within the column's digit limits. */
function numericRead(maxInt: number, maxFrac: number): TypeRead {
  return (buf, start, end) => {
    const i = buf[start] === MINUS ? start + 1 : start;
    let dot = i;
    while (dot < end && buf[dot] !== DOT) dot++;
    const intLen = dot - i;
    if (!allDigits(buf, i, dot) || (buf[i] === ZERO && intLen > 1)) return CELL_SLOW;
    const fracLen = dot === end ? 0 : end - dot - 1;
    if (dot < end && !allDigits(buf, dot + 1, end)) return CELL_SLOW;
    const intDigits = intLen === 1 && buf[i] === ZERO ? 0 : intLen;
    return intDigits <= maxInt && fracLen <= maxFrac ? CELL_SAME : CELL_SLOW;
  };
}

const TRUE_OUT = Buffer.from('t');
const FALSE_OUT = Buffer.from('f');

/**
 * 1 for true/t/yes/y/1/on, 0 for false/f/no/n/0/off (ASCII, any case), -1 otherwise: one
 * branch on the length, then the bytes, instead of comparing against every word.
 */
function booleanWord(buf: Buffer, start: number, end: number): number {
  switch (end - start) {
    case 1: {
      const c = lowerAt(buf, start);
      if (c === 0x74 || c === 0x79 || c === 0x31) return 1; // t y 1
      return c === 0x66 || c === 0x6e || c === 0x30 ? 0 : -1; // f n 0
    }
    case 2: {
      const a = lowerAt(buf, start);
      const b = lowerAt(buf, start + 1);
      if (a === 0x6f && b === 0x6e) return 1; // on
      return a === 0x6e && b === 0x6f ? 0 : -1; // no
    }
    case 3:
      if (isWord(buf, start, 'yes')) return 1;
      return isWord(buf, start, 'off') ? 0 : -1;
    case 4:
      return isWord(buf, start, 'true') ? 1 : -1;
    case 5:
      return isWord(buf, start, 'false') ? 0 : -1;
    default:
      return -1;
  }
}

/** `buf` at `start` spells the lowercase ASCII `word` in any case. */
function isWord(buf: Buffer, start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    if (lowerAt(buf, start + i) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** booleanCoercer for ASCII words in any case (what lowercasing then looking up reads). */
const booleanRead: TypeRead = (buf, start, end, cell) => {
  const word = booleanWord(buf, start, end);
  if (word < 0) return CELL_SLOW;
  cell.out = word === 1 ? TRUE_OUT : FALSE_OUT;
  cell.outLength = 1;
  return CELL_OUT;
};

/**
 * dateCoercer: a valid ISO date, or a date in the declared format, as its parts (the string
 * path writes them as ISO text, formatDate).
 */
function dateRead(format: string | undefined): TypeRead {
  const parseBytes = format === undefined ? null : compileDateTimeFormat(format).parseBytes;
  const parts = emptyParts();
  return (buf, start, end, cell) => {
    const iso = isoDateShapeBytes(buf, start, end);
    if (iso >= 0) {
      const year = Math.floor(iso / 10000);
      const month = Math.floor(iso / 100) % 100;
      const day = iso % 100;
      // An invalid date gets its message from the string path.
      if (!isValidDate(year, month, day)) return CELL_SLOW;
      cell.year = year;
      cell.month = month;
      cell.day = day;
      return CELL_DATE;
    }
    // "YYYY-…" may be an ISO timestamp at midnight: the string path decides.
    if (parseBytes === null || buf[start + 4] === MINUS) return CELL_SLOW;
    if (!parseBytes(buf, start, end, parts) || partsProblem(parts) !== null) return CELL_SLOW;
    cell.year = parts.year;
    cell.month = parts.month;
    cell.day = parts.day;
    return CELL_DATE;
  };
}

/**
 * timestampCoercer on bytes: the canonical ISO shape with a real date and time passes
 * through when its offset is as the column wants it (one for timestamptz, none for
 * timestamp). A timestamptz value without an offset gets the zone's written out, and a
 * value in the declared format is read here too (when the format is of numbers and literals);
 * both are written as the string path writes them, into `cell.out`. ISO variants and a
 * timestamp given an offset (converted into the zone) take the string path.
 */
function timestampRead(
  kind: 'timestamp' | 'timestamptz',
  format: string | undefined,
  zone: ZoneOffsets,
): TypeRead {
  const parseBytes = format === undefined ? null : compileDateTimeFormat(format).parseBytes;
  const tz = kind === 'timestamptz';
  const parts = emptyParts();
  const out = Buffer.alloc(64);
  return (buf, start, end, cell) => {
    const canonical = scanIsoDateTimeBytes(buf, start, end, parts);
    if (!canonical) {
      // "YYYY-…" may be another ISO form, which the string path reads before the format.
      if (parseBytes === null || buf[start + 4] === MINUS) return CELL_SLOW;
      if (!parseBytes(buf, start, end, parts)) return CELL_SLOW;
    }
    if (partsProblem(parts) !== null) return CELL_SLOW;
    const offset = parts.offset;
    if (canonical && (offset !== null) === tz) return CELL_SAME;
    let text: string;
    if (!tz) {
      if (offset !== null) return CELL_SLOW;
      text = wallText(parts);
    } else {
      const { year, month, day, hour, minute, second } = parts;
      const written =
        offset ?? zone.offsetForWallTime(civilSeconds(year, month, day, hour, minute, second));
      text = `${wallText(parts)}${formatOffset(written)}`;
    }
    cell.out = out;
    cell.outLength = out.write(text, 0, 'latin1');
    return CELL_OUT;
  };
}

const LOWER_HEX = new Uint8Array(256);
for (const c of '0123456789abcdef') LOWER_HEX[c.charCodeAt(0)] = 1;

/** uuidCoercer's pass-through: lowercase 8-4-4-4-12. */
const uuidRead: TypeRead = (buf, start, end) => {
  if (end - start !== 36) return CELL_SLOW;
  for (let i = 0; i < 36; i++) {
    const c = buf[start + i] as number;
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== MINUS) return CELL_SLOW;
    } else if (LOWER_HEX[c] !== 1) return CELL_SLOW;
  }
  return CELL_SAME;
};

const textRead: TypeRead = () => CELL_SAME;

/** The column's type read, or null for types the string path always handles. */
function typeRead(column: CompiledColumn, ctx: ColumnContext): TypeRead | null {
  const { spec } = column;
  switch (spec.type) {
    case 'text':
      return textRead;
    case 'integer':
      return integerRead(9);
    case 'bigint':
      return integerRead(18);
    case 'numeric': {
      if (numberSyntax(spec.format ?? ctx.locale).decimal !== DOT) return null;
      const { maxInt, maxFrac } = numericDigitLimits(spec.precision, spec.scale);
      return numericRead(maxInt, maxFrac);
    }
    case 'boolean':
      return booleanRead;
    case 'date':
      return dateRead(spec.format);
    case 'timestamp':
    case 'timestamptz':
      return timestampRead(spec.type, spec.format, ctx.zone);
    case 'uuid':
      return uuidRead;
    case 'email':
      return emailRead();
    case 'enum':
      return spec.values === undefined ? null : enumRead(spec.values);
    case 'json':
      return null;
  }
}

/**
 * The byte path for a compiled column, or null when it has none: a type the
 * string path always handles, or transforms other than the default
 * `trim` + `null_tokens` (those run on strings).
 */
export function compileFastCell(column: CompiledColumn, ctx: ColumnContext): FastCell | null {
  if (column.spec.transforms !== undefined) return null;
  const read = typeRead(column, ctx);
  if (read === null) return null;
  const tokens = ctx.nullTokens.map((t) => Buffer.from(t, 'utf8'));
  const longestToken = Math.max(0, ...tokens.map((t) => t.length));
  const emptyIsToken = tokens.some((t) => t.length === 0);
  const isText = column.spec.type === 'text';
  // A NULL the column cannot take (a default to fill in, or a rejection) is the string path's to word.
  const nullOutcome: CellOutcome =
    column.defaultValue !== null || column.notNull ? CELL_SLOW : CELL_NULL;

  // Compared in JS: tokens are a few bytes, and a native compare call costs more than that.
  const isNullToken = (buf: Buffer, start: number, end: number): boolean => {
    const n = end - start;
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k] as Buffer;
      if (t.length !== n) continue;
      let i = 0;
      while (i < n && t[i] === buf[start + i]) i++;
      if (i === n) return true;
    }
    return false;
  };

  // Per first byte, the lengths of the tokens starting with it as bits (bit n: length n): most
  // cells match no token's first byte and length, and skip the comparison. (Names starting with
  // the N of NULL are common.) A token of 32 bytes or more sets every bit: the loop decides.
  const tokenLengths = new Uint32Array(256);
  for (const t of tokens) {
    if (t.length === 0) continue;
    const first = t[0] as number;
    tokenLengths[first] = t.length < 32 ? (tokenLengths[first] as number) | (1 << t.length) : ~0;
  }

  const cell: MutableCell = {
    escapes: isText,
    out: FALSE_OUT, // replaced by each CELL_OUT answer
    outLength: 0,
    year: 0,
    month: 0,
    day: 0,
    read(buf, start, end) {
      if (start === end) return emptyIsToken || !isText ? nullOutcome : CELL_SAME;
      const first = buf[start] as number;
      const last = buf[end - 1] as number;
      // Printable ASCII at both ends is never whitespace; only other bytes need a closer look.
      if (!(first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f)) {
        if (startsWithSpace(buf, start, end) || endsWithSpace(buf, start, end)) return CELL_SLOW;
      }
      const n = end - start;
      if (n <= longestToken && ((tokenLengths[first] as number) >>> n) & 1) {
        if (isNullToken(buf, start, end)) return nullOutcome;
      }
      return read(buf, start, end, cell);
    },
  };
  return cell;
}
