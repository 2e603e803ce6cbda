import { civilFromDays, civilSeconds, formatDate, formatOffset, formatTime } from './calendar';
import type { DateTimeFormat } from './date-format';
import { type DateTimeParts, emptyParts, partsProblem } from './date-time-parts';
import { DAY_MONTH_YEAR, parseIsoDateTime, scanIsoDateTime } from './iso-date-time';
import { type Coercer, Rejection, quote } from './reject';
import type { ZoneOffsets } from './time-zone';

/** `YYYY-MM-DD HH:MM:SS[.f…]`: the wall-clock time as the coercer writes it. */
export const wallText = (p: DateTimeParts): string =>
  `${formatDate(p.year, p.month, p.day)} ${formatTime(p.hour, p.minute, p.second)}${p.fraction === '' ? '' : `.${p.fraction}`}`;

/**
 * timestamp / timestamptz from ISO 8601 or a declared format. Values without
 * an offset are wall-clock times in the schema's zone: timestamptz gets that
 * zone's offset written out (PostgreSQL's rules for DST gaps and repeats), so
 * the session's TimeZone never matters. A timestamp (without time zone) given
 * an offset is converted to the zone's wall-clock time instead of PostgreSQL's
 * silent dropping of the offset.
 */
export function timestampCoercer(
  kind: 'timestamp' | 'timestamptz',
  format: DateTimeFormat | undefined,
  zone: ZoneOffsets,
): Coercer {
  const parts = emptyParts();
  const invalid = (v: string, why: string) =>
    new Rejection('INVALID_TIMESTAMP', `${quote(v)} is not a timestamp: ${why}`);
  const expected = `expected ISO 8601 (YYYY-MM-DD HH:mm:ss[.fff][±HH:MM])${format === undefined ? '' : ` or ${format.pattern}`}`;
  return (v) => {
    // The canonical ISO shape, already read identically under any DateStyle, may pass through untouched.
    const canonical = scanIsoDateTime(v, parts);
    let matched = canonical || parseIsoDateTime(v, parts);
    if (!matched && format !== undefined) matched = format.parse(v, parts);
    if (!matched) {
      if (format === undefined && DAY_MONTH_YEAR.test(v)) {
        return new Rejection(
          'AMBIGUOUS_DATE',
          `${quote(v)}: day and month order is unknown; declare a format such as "MM/DD/YYYY HH:mm"`,
        );
      }
      return invalid(v, expected);
    }
    const problem = partsProblem(parts);
    if (problem !== null) return invalid(v, problem);
    const wall = civilSeconds(
      parts.year,
      parts.month,
      parts.day,
      parts.hour,
      parts.minute,
      parts.second,
    );
    if (kind === 'timestamptz') {
      if (parts.offset !== null)
        return canonical ? v : `${wallText(parts)}${formatOffset(parts.offset)}`;
      return `${wallText(parts)}${formatOffset(zone.offsetForWallTime(wall))}`;
    }
    if (parts.offset === null) return canonical ? v : wallText(parts);
    const instant = wall - parts.offset;
    const local = instant + zone.offsetAt(instant);
    const days = Math.floor(local / 86400);
    const secs = local - days * 86400;
    const c = civilFromDays(days);
    parts.year = c.year;
    parts.month = c.month;
    parts.day = c.day;
    parts.hour = Math.floor(secs / 3600);
    parts.minute = Math.floor((secs % 3600) / 60);
    parts.second = secs % 60;
    if (parts.year < 1 || parts.year > 9999) return invalid(v, 'year out of range 1–9999');
    return wallText(parts);
  };
}
