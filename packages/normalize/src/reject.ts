/** Stable reason codes for values that cannot be coerced; they end up in the rejects table. */
export const REJECT_CODES = [
  'INVALID_INTEGER',
  'INTEGER_OUT_OF_RANGE',
  'INVALID_NUMERIC',
  'NUMERIC_OUT_OF_RANGE',
  'INVALID_BOOLEAN',
  'INVALID_DATE',
  'AMBIGUOUS_DATE',
  'INVALID_TIMESTAMP',
  'INVALID_UUID',
  'INVALID_EMAIL',
  'INVALID_ENUM',
  'INVALID_JSON',
  'REQUIRED_VALUE_MISSING',
] as const;

export type RejectCode = (typeof REJECT_CODES)[number];

/**
 * A failed coercion. A class (not a plain object) so the hot path can tell a
 * result from a rejection with one `typeof` check and allocate only on failure.
 */
export class Rejection {
  constructor(
    readonly code: RejectCode,
    readonly message: string,
  ) {}
}

/** A coercer returns the COPY-ready text, or why the value does not fit. */
export type Coerced = string | Rejection;

export type Coercer = (value: string) => Coerced;

const MAX_QUOTED = 60;

/** Quotes a value for a message, shortened: the untruncated record is kept with the reject anyway. */
export const quote = (value: string): string =>
  JSON.stringify(value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value);
