import { isValidDate as isValidDateOf } from './calendar';

// Imported bindings compile to getter calls (tsx, swc): partsProblem runs per cell, so a local copy.
const isValidDate = isValidDateOf;

/** A parsed date/time, filled in place by the parsers so the hot path allocates nothing. */
export interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fractional-second digits as written ('' when none). */
  fraction: string;
  /** Seconds east of UTC when the value carried an offset, else null. */
  offset: number | null;
  /** The value had a time of day. */
  hasTime: boolean;
}

export const emptyParts = (): DateTimeParts => ({
  year: 0,
  month: 0,
  day: 0,
  hour: 0,
  minute: 0,
  second: 0,
  fraction: '',
  offset: null,
  hasTime: false,
});

/** Why the parts are not a real moment, or null. Leap seconds and 24:00 are refused. */
export function partsProblem(p: DateTimeParts): string | null {
  if (p.year < 1 || p.year > 9999) return 'year out of range 1–9999';
  if (!isValidDate(p.year, p.month, p.day)) return 'no such day in the calendar';
  if (p.hour > 23 || p.minute > 59 || p.second > 59) return 'no such time of day';
  return null;
}

/** Parses an offset text (`Z`, `UTC`, `+05`, `+0530`, `-05:30`) into seconds east, or null. */
export function parseOffset(text: string): number | null {
  const upper = text.toUpperCase();
  if (upper === 'Z' || upper === 'UTC' || upper === 'GMT') return 0;
  const m = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(text);
  if (m === null) return null;
  const h = Number(m[2]);
  const mi = Number(m[3] ?? 0);
  const s = Number(m[4] ?? 0);
  // PostgreSQL accepts offsets up to ±15:59:59.
  if (h > 15 || mi > 59 || s > 59) return null;
  const total = h * 3600 + mi * 60 + s;
  return m[1] === '-' ? -total : total;
}
