/**
 * How a locale writes numbers, taken from Intl once per column: decimal mark,
 * group separator(s) and group sizes (3, or 3 then 2 for en-IN's 12,34,567).
 */
export interface NumberSyntax {
  readonly decimal: number;
  /** Char codes accepted as group separators. */
  readonly groups: readonly number[];
  readonly primaryGroup: number;
  readonly secondaryGroup: number;
}

const SPACES = [0x20, 0xa0, 0x202f, 0x2009];
const APOSTROPHES = [0x27, 0x2019];

export const EN_SYNTAX: NumberSyntax = {
  decimal: 0x2e,
  groups: [0x2c],
  primaryGroup: 3,
  secondaryGroup: 3,
};

/** True if Intl has number data for the tag (`de`, `fr-CH`, `en-IN`). */
export function isSupportedLocale(locale: string): boolean {
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}

const cache = new Map<string, NumberSyntax>();

/** The syntax for a locale; undefined means English-style `1,234.5`. */
export function numberSyntax(locale: string | undefined): NumberSyntax {
  if (locale === undefined) return EN_SYNTAX;
  const hit = cache.get(locale);
  if (hit !== undefined) return hit;
  const parts = new Intl.NumberFormat(locale, {
    numberingSystem: 'latn',
    useGrouping: true,
  }).formatToParts(1234567.5);
  const decimal = parts.find((p) => p.type === 'decimal')?.value ?? '.';
  const group = parts.find((p) => p.type === 'group')?.value ?? ',';
  const sizes = parts.filter((p) => p.type === 'integer').map((p) => p.value.length);
  const g = group.charCodeAt(0);
  const syntax: NumberSyntax = {
    decimal: decimal.charCodeAt(0),
    // Data rarely uses the exact typographic space or apostrophe a locale prints.
    groups: SPACES.includes(g) ? SPACES : APOSTROPHES.includes(g) ? APOSTROPHES : [g],
    primaryGroup: sizes[sizes.length - 1] ?? 3,
    secondaryGroup: sizes.length > 2 ? (sizes[1] ?? 3) : (sizes[sizes.length - 1] ?? 3),
  };
  cache.set(locale, syntax);
  return syntax;
}

/** A number split into its parts; digits without separators, sign kept apart. */
export interface DecimalParts {
  negative: boolean;
  int: string;
  frac: string;
  exponent: number;
}

/**
 * Reads `[+-]digits[groups][decimal digits][e±n]` in the given syntax into
 * `out`. Groups must be well formed (`1,23` is not a number in English), so a
 * German `1.234,50` can never be misread as an English 1.234.
 */
export function parseDecimal(
  v: string,
  syntax: NumberSyntax,
  allowExponent: boolean,
  out: DecimalParts,
): boolean {
  const n = v.length;
  let i = 0;
  out.negative = false;
  out.exponent = 0;
  const c0 = v.charCodeAt(0);
  if (c0 === 0x2d || c0 === 0x2b) {
    out.negative = c0 === 0x2d;
    i = 1;
  }
  // Integer part with optional group separators.
  const intStart = i;
  let groupStart = i;
  let groupsSeen = 0;
  let firstGroup = 0;
  let int = '';
  let prev = -1;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) continue;
    if (!syntax.groups.includes(c)) break;
    const len = i - groupStart;
    if (len === 0) return false;
    if (groupsSeen === 0) firstGroup = len;
    else if (len !== syntax.secondaryGroup) return false;
    int += v.slice(groupStart, i);
    groupsSeen++;
    groupStart = i + 1;
    prev = c;
  }
  const lastLen = i - groupStart;
  if (groupsSeen > 0) {
    if (lastLen !== syntax.primaryGroup) return false;
    if (firstGroup > syntax.secondaryGroup) return false;
    // Mixed separators (`1 234'567`) are not one number.
    for (let k = intStart; k < i; k++) {
      const c = v.charCodeAt(k);
      if (c !== prev && syntax.groups.includes(c)) return false;
    }
    int += v.slice(groupStart, i);
  } else {
    int = v.slice(intStart, i);
  }
  let frac = '';
  if (i < n && v.charCodeAt(i) === syntax.decimal) {
    const fracStart = ++i;
    while (i < n && v.charCodeAt(i) >= 0x30 && v.charCodeAt(i) <= 0x39) i++;
    frac = v.slice(fracStart, i);
  }
  if (int === '' && frac === '') return false;
  if (i < n && allowExponent && (v.charCodeAt(i) | 0x20) === 0x65) {
    i++;
    let expNegative = false;
    const s = v.charCodeAt(i);
    if (s === 0x2d || s === 0x2b) {
      expNegative = s === 0x2d;
      i++;
    }
    const expStart = i;
    while (i < n && v.charCodeAt(i) >= 0x30 && v.charCodeAt(i) <= 0x39) i++;
    // Beyond 6 digits the value is out of any column's range anyway.
    if (i === expStart || i - expStart > 6) return false;
    const e = Number(v.slice(expStart, i));
    out.exponent = expNegative ? -e : e;
  }
  if (i !== n) return false;
  out.int = int;
  out.frac = frac;
  return true;
}

export const emptyDecimal = (): DecimalParts => ({
  negative: false,
  int: '',
  frac: '',
  exponent: 0,
});

/** Moves the decimal point by the exponent and strips leading zeros of the integer part. */
export function applyExponent(p: DecimalParts): void {
  if (p.exponent > 0) {
    const move = Math.min(p.exponent, p.frac.length);
    p.int += p.frac.slice(0, move) + '0'.repeat(p.exponent - move);
    p.frac = p.frac.slice(move);
  } else if (p.exponent < 0) {
    const move = Math.min(-p.exponent, p.int.length);
    p.frac = '0'.repeat(-p.exponent - move) + p.int.slice(p.int.length - move) + p.frac;
    p.int = p.int.slice(0, p.int.length - move);
  }
  p.exponent = 0;
  let z = 0;
  while (z < p.int.length && p.int.charCodeAt(z) === 0x30) z++;
  if (z > 0) p.int = p.int.slice(z);
}
