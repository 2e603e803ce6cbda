import bytes from 'bytes-iec';

/** A plain count or a decimal number with a unit; nothing signed, no exponents or hex. */
const SIZE_SYNTAX = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

/**
 * A size as people write it: `33554432` (bytes), `32MiB`, `1.5 GiB` (IEC, powers
 * of 1024) or `64kB`, `1GB` (SI, powers of 1000). Null unless it is a positive
 * whole number of bytes (`1.5` or `1.1B` are not).
 */
export function parseByteSize(text: string): number | null {
  const m = SIZE_SYNTAX.exec(text);
  if (!m) return null;
  // bytes-iec knows the units but floors fractions of a byte: multiply here to see them.
  const unit = m[2] ? bytes.parse(`1${m[2]}`) : 1;
  if (unit === null) return null;
  const exact = Number(m[1]) * unit;
  const n = Math.round(exact);
  return Math.abs(exact - n) < 1e-6 && Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** `1 KiB`, `32 MiB`, `1 GiB`: the binary unit that keeps the number short. */
export const formatByteSize = (n: number): string =>
  bytes.format(n, { mode: 'binary', unitSeparator: ' ' }) ?? `${n} B`;
