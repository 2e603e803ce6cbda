/**
 * UTC offsets of an IANA time zone from the runtime's own tz database (Intl),
 * cached per UTC day so the hot path rarely calls Intl. No library: Intl is
 * exact, and per-value objects from a date library would cost more than the parse.
 */
import { daysFromCivil } from './calendar';

export interface ZoneOffsets {
  readonly timeZone: string;
  /** Offset (seconds east of UTC) in effect at an instant (epoch seconds). */
  offsetAt(epochSeconds: number): number;
  /**
   * Offset for a wall-clock time (epoch seconds of the wall time read as UTC),
   * with PostgreSQL's rules so pre-converting changes nothing: a time in a
   * spring-forward gap takes the offset before the transition (02:30 → 03:30
   * DST), an ambiguous fall-back time takes the offset after it (standard time).
   */
  offsetForWallTime(wallSeconds: number): number;
}

/** True if the runtime knows the zone (IANA names, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const DAY = 86400;
// Before the first transition in tzdata (mid 19th century) every zone is on its
// local mean time; clamping keeps Intl away from years it formats oddly.
const MIN_INSTANT = daysFromCivil(1800, 1, 1) * DAY;
const MAX_CACHED_DAYS = 20000;

interface DayOffsets {
  /** First second of the day on the `after` offset (Infinity when none changes). */
  transition: number;
  before: number;
  after: number;
}

/**
 * Wall-clock days 1800-01-02 to 2199-12-31 (nearly every value a file holds) keep their
 * offset in an array, one lookup per value; other days take the exact rule each time.
 */
const WALL_FIRST_DAY = daysFromCivil(1800, 1, 1);
const WALL_DAYS = daysFromCivil(2200, 1, 1) - WALL_FIRST_DAY;
/** Not computed yet / a transition within a day of it (no offset is this large). */
const UNKNOWN = 0x7fffffff;
const NEAR_TRANSITION = 0x7ffffffe;

class IntlZoneOffsets implements ZoneOffsets {
  private readonly format: Intl.DateTimeFormat;
  private readonly days = new Map<number, DayOffsets>();
  /** Offset of each wall-clock day from WALL_FIRST_DAY (146 k entries, made on first use). */
  private wallDays: Int32Array | null = null;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  offsetAt(epochSeconds: number): number {
    const t = Math.max(Math.floor(epochSeconds), MIN_INSTANT);
    const entry = this.day(Math.floor(t / DAY));
    return t < entry.transition ? entry.before : entry.after;
  }

  offsetForWallTime(wall: number): number {
    const i = Math.floor(wall / DAY) - WALL_FIRST_DAY;
    if (i > 0 && i < WALL_DAYS) {
      const days = (this.wallDays ??= new Int32Array(WALL_DAYS).fill(UNKNOWN));
      let offset = days[i] as number;
      if (offset === UNKNOWN) {
        offset = this.wallDayOffset(i + WALL_FIRST_DAY);
        days[i] = offset;
      }
      if (offset !== NEAR_TRANSITION) return offset;
    }
    return this.offsetNearTransition(wall);
  }

  /**
   * The one offset every wall time of `day` gets, or NEAR_TRANSITION. The exact rule reads
   * the offsets a day either side of the wall time: with no transition over the day and the
   * days either side, both are the same one.
   */
  private wallDayOffset(day: number): number {
    const entries = [this.day(day - 1), this.day(day), this.day(day + 1)];
    const offset = entries[0]?.before as number;
    const steady = entries.every((e) => e.transition === Infinity && e.before === offset);
    return steady ? offset : NEAR_TRANSITION;
  }

  /** PostgreSQL's rule for a wall time near a transition (see offsetForWallTime). */
  private offsetNearTransition(wall: number): number {
    const before = this.offsetAt(wall - DAY);
    const after = this.offsetAt(wall + DAY);
    if (before === after) return before;
    const beforeFits = this.offsetAt(wall - before) === before;
    const afterFits = this.offsetAt(wall - after) === after;
    if (beforeFits && afterFits) return after; // repeated hour: PostgreSQL takes the later offset
    if (afterFits) return after;
    return before; // valid on the earlier offset, or a skipped time (gap)
  }

  /** The offsets of a UTC day (days since 1970-01-01), cached. */
  private day(day: number): DayOffsets {
    let entry = this.days.get(day);
    if (entry === undefined) {
      entry = this.computeDay(day);
      if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
      this.days.set(day, entry);
    }
    return entry;
  }

  /** One day's offsets, assuming at most one transition a day (true for every zone since 1800). */
  private computeDay(day: number): DayOffsets {
    const start = day * DAY;
    const before = this.raw(start);
    const after = this.raw(start + DAY - 1);
    if (before === after) return { transition: Infinity, before, after };
    let lo = start;
    let hi = start + DAY - 1;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.raw(mid) === before) lo = mid;
      else hi = mid;
    }
    return { transition: hi, before, after };
  }

  private raw(epochSeconds: number): number {
    let y = 0;
    let mo = 0;
    let d = 0;
    let h = 0;
    let mi = 0;
    let s = 0;
    for (const part of this.format.formatToParts(epochSeconds * 1000)) {
      const n = Number(part.value);
      if (part.type === 'year') y = n;
      else if (part.type === 'month') mo = n;
      else if (part.type === 'day') d = n;
      else if (part.type === 'hour') h = n;
      else if (part.type === 'minute') mi = n;
      else if (part.type === 'second') s = n;
    }
    return daysFromCivil(y, mo, d) * DAY + h * 3600 + mi * 60 + s - epochSeconds;
  }
}

const UTC: ZoneOffsets = {
  timeZone: 'UTC',
  offsetAt: () => 0,
  offsetForWallTime: () => 0,
};

const zones = new Map<string, ZoneOffsets>();

/** Offsets of `timeZone` (cached per zone). Throws RangeError for an unknown zone. */
export function zoneOffsets(timeZone: string): ZoneOffsets {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return UTC;
  let zone = zones.get(timeZone);
  if (zone === undefined) {
    zone = new IntlZoneOffsets(timeZone);
    zones.set(timeZone, zone);
  }
  return zone;
}
