import { type Coercer, Rejection, quote } from './reject';

// Upper case, braces, or no hyphens: all forms PostgreSQL itself reads.
const LOOSE = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

const LOWER_HEX = new Uint8Array(128);
for (const c of '0123456789abcdef') LOWER_HEX[c.charCodeAt(0)] = 1;

/** Lowercase hyphenated 8-4-4-4-12, checked without a regex: the common case is already canonical. */
function isCanonical(v: string): boolean {
  if (v.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = v.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (c >= 128 || LOWER_HEX[c] !== 1) {
      return false;
    }
  }
  return true;
}

/** Any case, optional braces/hyphens → lowercase `8-4-4-4-12`. */
export const uuidCoercer: Coercer = (v) => {
  if (isCanonical(v)) return v;
  const m = LOOSE.exec(v);
  if (m === null || v.startsWith('{') !== v.endsWith('}')) {
    return new Rejection('INVALID_UUID', `${quote(v)} is not a UUID`);
  }
  return `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase();
};
