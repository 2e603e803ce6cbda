/**
 * First normalization pass: surrounding whitespace trimmed, empty → NULL.
 * Typed coercion per column builds on this.
 */
export const normalizeValue = (raw: string): string | null => {
  const trimmed = raw.trim();
  return trimmed === '' ? null : trimmed;
};

export type RowCheck =
  | { ok: true; values: (string | null)[] }
  | { ok: false; code: 'TOO_MANY_FIELDS' | 'TOO_FEW_FIELDS'; message: string };

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
  return { ok: true, values: fields.map(normalizeValue) };
}
