import { formatDate, isValidDate } from './calendar';
import type { DateTimeFormat } from './date-format';
import { emptyParts, partsProblem } from './date-time-parts';
import { DAY_MONTH_YEAR, isoDateShape, parseIsoDateTime } from './iso-date-time';
import { type Coercer, Rejection, quote } from './reject';

/**
 * date → `YYYY-MM-DD`, never relying on the server's DateStyle. ISO dates are
 * always read; a declared format adds one more spelling. Without one, a
 * day/month/year value is AMBIGUOUS_DATE: 03/04/2024 is not guessed.
 * An ISO timestamp at exactly midnight is accepted as its date (spreadsheet
 * exports); any other time would be lost, so it is refused.
 */
export function dateCoercer(format: DateTimeFormat | undefined): Coercer {
  const parts = emptyParts();
  const invalid = (v: string, why: string) =>
    new Rejection('INVALID_DATE', `${quote(v)} is not a date: ${why}`);
  return (v) => {
    const n = isoDateShape(v);
    if (n >= 0) {
      const y = Math.floor(n / 10000);
      const m = Math.floor(n / 100) % 100;
      const d = n % 100;
      return isValidDate(y, m, d) ? v : invalid(v, 'no such day in the calendar');
    }
    // Only a value with "YYYY-" can be ISO: skip the regex for the rest.
    let matched = v.charCodeAt(4) === 0x2d && parseIsoDateTime(v, parts);
    if (
      matched &&
      (parts.offset !== null ||
        parts.hour + parts.minute + parts.second > 0 ||
        /[1-9]/.test(parts.fraction))
    ) {
      return invalid(v, 'it has a time of day; use a timestamp column');
    }
    if (!matched && format !== undefined) matched = format.parse(v, parts);
    if (!matched) {
      if (format === undefined && DAY_MONTH_YEAR.test(v)) {
        return new Rejection(
          'AMBIGUOUS_DATE',
          `${quote(v)}: day and month order is unknown; declare a format such as "MM/DD/YYYY" or "DD/MM/YYYY"`,
        );
      }
      return invalid(
        v,
        format === undefined ? 'expected YYYY-MM-DD' : `expected YYYY-MM-DD or ${format.pattern}`,
      );
    }
    const problem = partsProblem(parts);
    return problem === null ? formatDate(parts.year, parts.month, parts.day) : invalid(v, problem);
  };
}
