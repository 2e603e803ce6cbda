/**
 * First normalization pass: surrounding whitespace trimmed, empty → NULL.
 * Typed coercion per column builds on this.
 */
export const normalizeValue = (raw: string): string | null => {
  const trimmed = raw.trim();
  return trimmed === '' ? null : trimmed;
};

/** Stable reason codes of rejected records (csv-parse's own codes pass through as they are). */
export type RejectCode = 'TOO_MANY_FIELDS' | 'TOO_FEW_FIELDS' | 'NUL_BYTE' | 'INVALID_UTF8';

export type RowCheck =
  { ok: true; values: (string | null)[] } | { ok: false; code: RejectCode; message: string };

/** Checks a record's width against the header and normalizes its values. */
export function normalizeRecord(fields: readonly string[], width: number): RowCheck {
  if (fields.length > width) {
    return {
      ok: false,
      code: 'TOO_MANY_FIELDS',
      message: `expected ${width} fields, found ${fields.length}`,
    };
  }
  if (fields.length < width) {
    return {
      ok: false,
      code: 'TOO_FEW_FIELDS',
      message: `expected ${width} fields, found ${fields.length}`,
    };
  }
  // PostgreSQL text cannot hold NUL: such a record would fail its whole chunk's COPY.
  const nulAt = fields.findIndex((f) => f.includes('\u0000'));
  if (nulAt >= 0) {
    return { ok: false, code: 'NUL_BYTE', message: `field ${nulAt + 1} contains a NUL byte` };
  }
  return { ok: true, values: fields.map(normalizeValue) };
}
