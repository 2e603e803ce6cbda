import { type NumberSyntax, applyExponent, emptyDecimal, parseDecimal } from './number-syntax';
import { type Coercer, Rejection, quote } from './reject';

const LIMITS = {
  integer: { max: '2147483647', min: '2147483648' },
  bigint: { max: '9223372036854775807', min: '9223372036854775808' },
} as const;

/** Digit strings without leading zeros compare by length, then lexically. */
const exceeds = (digits: string, limit: string): boolean =>
  digits.length > limit.length || (digits.length === limit.length && digits > limit);

const stripZeros = (s: string): string => {
  let z = 0;
  while (z < s.length && s.charCodeAt(z) === 0x30) z++;
  return z === 0 ? s : s.slice(z);
};

/**
 * integer / bigint. Group separators per locale; a zero fraction (`12.00`,
 * common in spreadsheet exports) is accepted, any other fraction is not.
 */
export function integerCoercer(kind: 'integer' | 'bigint', syntax: NumberSyntax): Coercer {
  // Plain canonical digits short enough to fit: returned as they are.
  const fast = kind === 'integer' ? /^-?[1-9]\d{0,8}$/ : /^-?[1-9]\d{0,17}$/;
  const { max, min } = LIMITS[kind];
  const parts = emptyDecimal();
  return (v) => {
    if (fast.test(v) || v === '0') return v;
    if (!parseDecimal(v, syntax, false, parts)) {
      return new Rejection('INVALID_INTEGER', `${quote(v)} is not an integer`);
    }
    if (stripZeros(parts.frac) !== '') {
      return new Rejection('INVALID_INTEGER', `${quote(v)} has a fractional part`);
    }
    const digits = stripZeros(parts.int);
    if (digits === '') return '0';
    if (exceeds(digits, parts.negative ? min : max)) {
      return new Rejection('INTEGER_OUT_OF_RANGE', `${quote(v)} is outside the range of ${kind}`);
    }
    return parts.negative ? `-${digits}` : digits;
  };
}

// PostgreSQL's limits for an unconstrained numeric.
const MAX_INT_DIGITS = 131072;
const MAX_FRAC_DIGITS = 16383;

/** Digits a numeric(precision, scale) holds before and after the point (unconstrained: PostgreSQL's limits). */
export function numericDigitLimits(
  precision: number | undefined,
  scale: number | undefined,
): { maxInt: number; maxFrac: number } {
  if (precision === undefined) return { maxInt: MAX_INT_DIGITS, maxFrac: MAX_FRAC_DIGITS };
  return { maxInt: precision - (scale ?? 0), maxFrac: scale ?? 0 };
}

/** Adds one unit in the last place of a digit string ("0999" → "1000"). */
function incrementDigits(s: string): string {
  let i = s.length - 1;
  while (i >= 0 && s.charCodeAt(i) === 0x39) i--;
  if (i < 0) return `1${'0'.repeat(s.length)}`;
  return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) + 1) + '0'.repeat(s.length - i - 1);
}

/**
 * numeric(precision, scale): rounded half away from zero to the scale, as
 * PostgreSQL does, then checked for overflow; exponents are expanded because
 * the digits must be counted. NaN and Infinity are refused.
 */
export function numericCoercer(
  syntax: NumberSyntax,
  precision: number | undefined,
  scale: number | undefined,
): Coercer {
  const s = scale ?? 0;
  const { maxInt, maxFrac } = numericDigitLimits(precision, scale);
  const fast = syntax.decimal === 0x2e ? /^-?(?:0|[1-9]\d*)(?:\.(\d+))?$/ : null;
  const parts = emptyDecimal();
  const describe = precision === undefined ? 'numeric' : `numeric(${precision},${s})`;
  return (v) => {
    if (fast !== null) {
      const m = fast.exec(v);
      if (m !== null) {
        const fracLen = m[1]?.length ?? 0;
        const intLen =
          v.length - (fracLen > 0 ? fracLen + 1 : 0) - (v.charCodeAt(0) === 0x2d ? 1 : 0);
        const intDigits =
          intLen === 1 && v.charCodeAt(v.charCodeAt(0) === 0x2d ? 1 : 0) === 0x30 ? 0 : intLen;
        if (intDigits <= maxInt && fracLen <= maxFrac) return v;
      }
    }
    if (!parseDecimal(v, syntax, true, parts)) {
      return new Rejection('INVALID_NUMERIC', `${quote(v)} is not a number`);
    }
    const tooBig = () =>
      new Rejection('NUMERIC_OUT_OF_RANGE', `${quote(v)} does not fit ${describe}`);
    // A huge exponent overflows whatever the digits; checked before expanding it.
    if (Math.abs(parts.exponent) > MAX_INT_DIGITS + MAX_FRAC_DIGITS) return tooBig();
    applyExponent(parts);
    let { int, frac } = parts;
    if (frac.length > maxFrac) {
      if (precision === undefined && scale === undefined) return tooBig();
      const roundUp = frac.charCodeAt(s) >= 0x35;
      frac = frac.slice(0, s);
      if (roundUp) {
        const all = incrementDigits(int + frac);
        int = stripZeros(all.slice(0, all.length - s));
        frac = all.slice(all.length - s);
      }
    }
    if (int.length > maxInt) return tooBig();
    const zero = int === '' && stripZeros(frac) === '';
    return `${parts.negative && !zero ? '-' : ''}${int === '' ? '0' : int}${frac === '' ? '' : `.${frac}`}`;
  };
}
