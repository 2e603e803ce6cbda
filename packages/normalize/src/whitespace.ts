/**
 * Whether UTF-8 bytes start or end with a character String#trim removes —
 * so the byte path knows when a value is already trimmed. ECMAScript's
 * whitespace: TAB, LF, VT, FF, CR, SPACE, U+00A0, U+1680, U+2000–U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
 */
const ASCII_SPACE = new Uint8Array(128);
for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]) ASCII_SPACE[c] = 1;

/** The code point of the 2- or 3-byte sequence at `i` (the only lengths whitespace has), or -1. */
function sequenceAt(buf: Buffer, i: number, end: number): number {
  const b0 = buf[i] as number;
  if (b0 >= 0xc2 && b0 <= 0xdf && i + 1 < end) {
    return ((b0 & 0x1f) << 6) | ((buf[i + 1] as number) & 0x3f);
  }
  if (b0 >= 0xe0 && b0 <= 0xef && i + 2 < end) {
    return (
      ((b0 & 0x0f) << 12) | (((buf[i + 1] as number) & 0x3f) << 6) | ((buf[i + 2] as number) & 0x3f)
    );
  }
  return -1;
}

/** The non-ASCII characters String#trim and \s treat as whitespace. */
export const isUnicodeSpace = (cp: number): boolean =>
  cp === 0xa0 ||
  cp === 0x1680 ||
  (cp >= 0x2000 && cp <= 0x200a) ||
  cp === 0x2028 ||
  cp === 0x2029 ||
  cp === 0x202f ||
  cp === 0x205f ||
  cp === 0x3000 ||
  cp === 0xfeff;

/** `buf[start, end)` (valid UTF-8, not empty) starts with whitespace. */
export function startsWithSpace(buf: Buffer, start: number, end: number): boolean {
  const b = buf[start] as number;
  if (b < 0x80) return ASCII_SPACE[b] === 1;
  return isUnicodeSpace(sequenceAt(buf, start, end));
}

/** `buf[start, end)` (valid UTF-8, not empty) ends with whitespace. */
export function endsWithSpace(buf: Buffer, start: number, end: number): boolean {
  const b = buf[end - 1] as number;
  if (b < 0x80) return ASCII_SPACE[b] === 1;
  // Back over continuation bytes (10xxxxxx) to the last character's first byte.
  let i = end - 1;
  while (i > start && i > end - 4 && ((buf[i] as number) & 0xc0) === 0x80) i--;
  return isUnicodeSpace(sequenceAt(buf, i, end));
}
