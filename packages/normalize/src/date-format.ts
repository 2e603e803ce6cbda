/**
 * Declared date/time patterns (`MM/DD/YYYY`, `DD.MM.YYYY HH:mm:ss`, `YYYYMMDD`),
 * compiled once into one anchored RegExp plus a slot list.
 *
 * Tokens: YYYY YY (00–68 → 20xx, 69–99 → 19xx, as POSIX strptime) · MMMM MMM
 * (English month names) · MM M · DD D · HH H (24 h) · hh h (12 h, needs A) ·
 * mm · ss · S… (fraction, 1–9 digits) · A (AM/PM) · Z (Z, ±HH, ±HHMM, ±HH:MM) ·
 * 'quoted literal' · T and any non-letter literally. Two-digit tokens also take
 * one digit when a separator follows and precedes them (`MM/DD` reads `3/7`).
 */
import { type CharSource, StringSource } from './char-source';
import { type DateTimeParts, parseOffset } from './date-time-parts';

type Slot =
  | 'year4'
  | 'year2'
  | 'monthName'
  | 'month'
  | 'day'
  | 'hour24'
  | 'hour12'
  | 'minute'
  | 'second'
  | 'fraction'
  | 'meridiem'
  | 'offset';

export interface DateTimeFormat {
  readonly pattern: string;
  readonly hasTime: boolean;
  readonly hasOffset: boolean;
  /** Fills `out` (ranges unchecked); false when the value does not match. */
  parse(value: string, out: DateTimeParts): boolean;
  /**
   * The same for the bytes `buf[start, end)`, for formats of numbers and
   * literals only (the common ones); null when the format needs the string path.
   */
  readonly parseBytes:
    ((buf: Buffer, start: number, end: number, out: DateTimeParts) => boolean) | null;
}

interface TokenDef {
  token: string;
  slot: Slot;
  /** Digits when fixed width (null: not numeric). */
  width: number | null;
  regex: string;
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

// Longest first, so MMMM wins over MMM over MM over M.
const TOKENS: TokenDef[] = [
  { token: 'YYYY', slot: 'year4', width: 4, regex: '(\\d{4})' },
  { token: 'YY', slot: 'year2', width: 2, regex: '(\\d{2})' },
  {
    token: 'MMMM',
    slot: 'monthName',
    width: null,
    regex: `(${MONTHS.join('|')})`,
  },
  {
    token: 'MMM',
    slot: 'monthName',
    width: null,
    regex: `(${MONTHS.map((m) => m.slice(0, 3)).join('|')})`,
  },
  { token: 'MM', slot: 'month', width: 2, regex: '' },
  { token: 'M', slot: 'month', width: null, regex: '(\\d{1,2})' },
  { token: 'DD', slot: 'day', width: 2, regex: '' },
  { token: 'D', slot: 'day', width: null, regex: '(\\d{1,2})' },
  { token: 'HH', slot: 'hour24', width: 2, regex: '' },
  { token: 'H', slot: 'hour24', width: null, regex: '(\\d{1,2})' },
  { token: 'hh', slot: 'hour12', width: 2, regex: '' },
  { token: 'h', slot: 'hour12', width: null, regex: '(\\d{1,2})' },
  { token: 'mm', slot: 'minute', width: 2, regex: '' },
  { token: 'ss', slot: 'second', width: 2, regex: '' },
  { token: 'A', slot: 'meridiem', width: null, regex: '([ap]\\.?m\\.?)' },
  { token: 'a', slot: 'meridiem', width: null, regex: '([ap]\\.?m\\.?)' },
  {
    token: 'Z',
    slot: 'offset',
    width: null,
    regex: '(z|utc|gmt|[+-]\\d{2}(?::?\\d{2})?)',
  },
];

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

type Piece = { kind: 'literal'; text: string } | { kind: 'token'; def: TokenDef; digits: number };

function tokenize(pattern: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern.charAt(i);
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote at position ${i + 1}`);
      pieces.push({ kind: 'literal', text: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (ch === 'S') {
      let j = i;
      while (pattern.charAt(j) === 'S') j++;
      const def: TokenDef = { token: 'S', slot: 'fraction', width: null, regex: '(\\d{1,9})' };
      pieces.push({ kind: 'token', def, digits: 0 });
      i = j;
      continue;
    }
    const def = TOKENS.find((t) => pattern.startsWith(t.token, i));
    if (def !== undefined) {
      pieces.push({ kind: 'token', def, digits: def.width ?? 0 });
      i += def.token.length;
      continue;
    }
    if (/[A-Za-z]/.test(ch) && ch !== 'T') {
      throw new Error(`unknown token "${ch}" at position ${i + 1}`);
    }
    pieces.push({ kind: 'literal', text: ch });
    i++;
  }
  return pieces;
}

const isNumeric = (p: Piece | undefined): boolean =>
  p !== undefined &&
  p.kind === 'token' &&
  p.def.slot !== 'monthName' &&
  p.def.slot !== 'meridiem' &&
  p.def.slot !== 'offset';

/** One step of a regex-free plan: a literal char (slot null) or a run of min–max digits. */
interface Step {
  code: number;
  slot: Slot | null;
  min: number;
  max: number;
}

// Digit counts of numeric tokens a plan can read; [0, 0] means "needs the regex".
const WIDTHS: Partial<Record<Slot, [number, number]>> = {
  year4: [4, 4],
  year2: [2, 2],
  month: [1, 2],
  day: [1, 2],
  hour24: [1, 2],
  minute: [2, 2],
  second: [2, 2],
  fraction: [1, 9],
};

/** Resets what a plan does not read: no time, no fraction, no offset. */
function resetParts(out: DateTimeParts, hasTime: boolean): void {
  out.hour = 0;
  out.minute = 0;
  out.second = 0;
  out.fraction = '';
  out.offset = null;
  out.hasTime = hasTime;
}

/** Stores a numeric slot's digits; false for the slots a plan never holds. */
function setNumber(out: DateTimeParts, slot: Slot, n: number): boolean {
  switch (slot) {
    case 'year4':
      out.year = n;
      return true;
    case 'year2':
      out.year = n < 69 ? 2000 + n : 1900 + n;
      return true;
    case 'month':
      out.month = n;
      return true;
    case 'day':
      out.day = n;
      return true;
    case 'hour24':
      out.hour = n;
      return true;
    case 'minute':
      out.minute = n;
      return true;
    case 'second':
      out.second = n;
      return true;
    // Read as text by the callers; the others are never planned (WIDTHS has no entry).
    case 'fraction':
    case 'hour12':
    case 'meridiem':
    case 'monthName':
    case 'offset':
      return false;
  }
}

/** Reads a value along a plan with char codes only: no regex, no match array, no substrings. */
function scan(
  steps: readonly Step[],
  v: CharSource,
  out: DateTimeParts,
  hasTime: boolean,
): boolean {
  resetParts(out, hasTime);
  let pos = 0;
  for (const step of steps) {
    if (step.slot === null) {
      let c = v.code(pos);
      if (c >= 0x41 && c <= 0x5a) c |= 0x20; // letters compare case-insensitively, like the regex
      if (c !== step.code) return false;
      pos++;
      continue;
    }
    const start = pos;
    let n = 0;
    while (pos - start < step.max) {
      const d = v.code(pos) - 48;
      if (!(d >= 0 && d <= 9)) break;
      n = n * 10 + d;
      pos++;
    }
    if (pos - start < step.min) return false;
    if (step.slot === 'fraction') out.fraction = v.text(start, pos);
    else if (!setNumber(out, step.slot, n)) return false;
  }
  return pos === v.length;
}

/**
 * scan over `buf[start, end)` read directly, for the loader's byte path (once per cell):
 * the same steps and answers without a CharSource call per character.
 */
function scanBytes(
  steps: readonly Step[],
  buf: Buffer,
  start: number,
  end: number,
  out: DateTimeParts,
  hasTime: boolean,
): boolean {
  resetParts(out, hasTime);
  let pos = start;
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k] as Step;
    if (step.slot === null) {
      if (pos >= end) return false;
      let c = buf[pos] as number;
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (c !== step.code) return false;
      pos++;
      continue;
    }
    const from = pos;
    const last = Math.min(end, from + step.max);
    let n = 0;
    while (pos < last) {
      const d = (buf[pos] as number) - 48;
      if (!(d >= 0 && d <= 9)) break;
      n = n * 10 + d;
      pos++;
    }
    if (pos - from < step.min) return false;
    if (step.slot === 'fraction') out.fraction = buf.toString('latin1', from, pos);
    else if (!setNumber(out, step.slot, n)) return false;
  }
  return pos === end;
}

/** Compiles a pattern; throws an Error whose message says what is wrong with it. */
export function compileDateTimeFormat(pattern: string): DateTimeFormat {
  const pieces = tokenize(pattern);
  const slots: Slot[] = [];
  let regex = '^';
  // A regex-free plan when every token is a number (the common formats); null otherwise.
  let plan: Step[] | null = [];
  pieces.forEach((piece, i) => {
    if (piece.kind === 'literal') {
      regex += escapeRegex(piece.text);
      for (const ch of piece.text)
        plan?.push({ code: ch.toLowerCase().charCodeAt(0), slot: null, min: 0, max: 0 });
      return;
    }
    const { def } = piece;
    if (slots.includes(def.slot)) throw new Error(`"${def.token}" appears twice`);
    if (
      (def.slot === 'year2' && slots.includes('year4')) ||
      (def.slot === 'year4' && slots.includes('year2'))
    ) {
      throw new Error('the year appears twice');
    }
    slots.push(def.slot);
    const [min, max] = WIDTHS[def.slot] ?? [0, 0];
    if (def.regex !== '') {
      regex += def.regex;
      if (min === 0 || (min !== max && isNumeric(pieces[i + 1]))) plan = null;
      else plan?.push({ code: 0, slot: def.slot, min, max });
    } else {
      // Fixed two digits next to another number (YYYYMMDD); one or two between separators.
      const lenient = !isNumeric(pieces[i - 1]) && !isNumeric(pieces[i + 1]);
      regex += lenient ? '(\\d{1,2})' : '(\\d{2})';
      if (WIDTHS[def.slot] === undefined) plan = null;
      else plan?.push({ code: 0, slot: def.slot, min: lenient ? 1 : 2, max: 2 });
    }
  });
  regex += '$';

  const has = (s: Slot): boolean => slots.includes(s);
  if (!has('year4') && !has('year2')) throw new Error('needs a year (YYYY or YY)');
  if (!has('month') && !has('monthName')) throw new Error('needs a month (MM, M, MMM or MMMM)');
  if (!has('day')) throw new Error('needs a day (DD or D)');
  if (has('hour12') !== has('meridiem')) throw new Error('hh/h and A go together (12-hour clock)');
  if (has('hour24') && has('hour12')) throw new Error('both a 24-hour and a 12-hour hour');
  if (has('minute') && !has('hour24') && !has('hour12')) throw new Error('minutes without an hour');
  if (has('second') && !has('minute')) throw new Error('seconds without minutes');
  if (has('fraction') && !has('second')) throw new Error('a fraction without seconds');

  const re = new RegExp(regex, 'i');
  const steps = plan;
  const hasTime = has('hour24') || has('hour12');
  const text = new StringSource();
  // A byte is a char only in ASCII: a plan with another literal reads strings only.
  const asciiPlan = steps?.every((step) => step.code < 0x80) === true;
  return {
    pattern,
    hasTime,
    hasOffset: has('offset'),
    parseBytes:
      steps === null || !asciiPlan
        ? null
        : (buf, start, end, out) => scanBytes(steps, buf, start, end, out, hasTime),
    parse(value, out) {
      if (steps !== null) return scan(steps, text.of(value), out, hasTime);
      const m = re.exec(value);
      if (m === null) return false;
      resetParts(out, hasTime);
      let pm = false;
      for (let k = 0; k < slots.length; k++) {
        const text = m[k + 1] ?? '';
        switch (slots[k]) {
          case 'year4':
            out.year = Number(text);
            break;
          case 'year2': {
            const yy = Number(text);
            out.year = yy < 69 ? 2000 + yy : 1900 + yy;
            break;
          }
          case 'monthName': {
            const lower = text.toLowerCase();
            out.month = 1 + MONTHS.findIndex((name) => name.startsWith(lower));
            break;
          }
          case 'month':
            out.month = Number(text);
            break;
          case 'day':
            out.day = Number(text);
            break;
          case 'hour24':
            out.hour = Number(text);
            break;
          case 'hour12':
            out.hour = Number(text);
            // 0 and 13+ are not 12-hour clock readings; 99 makes the range check fail.
            if (out.hour < 1 || out.hour > 12) out.hour = 99;
            else if (out.hour === 12) out.hour = 0;
            break;
          case 'minute':
            out.minute = Number(text);
            break;
          case 'second':
            out.second = Number(text);
            break;
          case 'fraction':
            out.fraction = text;
            break;
          case 'meridiem':
            pm = text.charAt(0).toLowerCase() === 'p';
            break;
          case 'offset':
            out.offset = parseOffset(text);
            if (out.offset === null) return false;
            break;
          case undefined:
            break;
        }
      }
      if (pm && out.hour < 12) out.hour += 12;
      return true;
    },
  };
}
