/** Proleptic Gregorian calendar arithmetic, exact for years 1–9999 (no Date quirks with years < 100). */

export const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export const daysInMonth = (y: number, m: number): number =>
  m === 2 && isLeapYear(y) ? 29 : (DAYS[m - 1] ?? 0);

/** True for a real calendar day in years 1–9999 (2023-02-29 and 2024-04-31 are not). */
export const isValidDate = (y: number, m: number, d: number): boolean =>
  y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);

/** Days since 1970-01-01 (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Seconds since the epoch of a wall-clock time read as if it were UTC. */
export const civilSeconds = (
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
): number => daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad4 = (n: number): string => (n >= 1000 ? `${n}` : `000${n}`.slice(-4));

/** `YYYY-MM-DD`: the ISO form PostgreSQL reads the same under every DateStyle. */
export const formatDate = (y: number, m: number, d: number): string =>
  `${pad4(y)}-${pad2(m)}-${pad2(d)}`;

export const formatTime = (h: number, mi: number, s: number): string =>
  `${pad2(h)}:${pad2(mi)}:${pad2(s)}`;

/** `+HH:MM`, or `+HH:MM:SS` for the odd historical offset (local mean time). */
export function formatOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  return `${sign}${pad2(h)}:${pad2(m)}${s === 0 ? '' : `:${pad2(s)}`}`;
}
