import { type Coercer, Rejection, quote } from './reject';

/**
 * Variant → canonical lookup, case-insensitive; canonical values match
 * themselves. Throws when two spellings differing only in case disagree.
 */
export function enumLookup(values: Readonly<Record<string, string>>): Map<string, string> {
  const map = new Map<string, string>();
  const add = (variant: string, canonical: string) => {
    const key = variant.toLowerCase();
    const existing = map.get(key);
    if (existing !== undefined && existing !== canonical) {
      throw new Error(
        `${JSON.stringify(variant)} maps to both ${JSON.stringify(existing)} and ${JSON.stringify(canonical)} (variants match case-insensitively)`,
      );
    }
    map.set(key, canonical);
  };
  for (const canonical of new Set(Object.values(values))) add(canonical, canonical);
  for (const [variant, canonical] of Object.entries(values)) add(variant, canonical);
  return map;
}

/** Exact spelling → canonical: every variant as listed, and every canonical value itself. */
export function enumSpellings(values: Readonly<Record<string, string>>): Map<string, string> {
  const exact = new Map<string, string>(Object.entries(values));
  for (const canonical of Object.values(values)) exact.set(canonical, canonical);
  return exact;
}

export function enumCoercer(values: Readonly<Record<string, string>>): Coercer {
  const lookup = enumLookup(values);
  // Exact spellings first: no lowercase copy for values already written as listed.
  const exact = enumSpellings(values);
  const allowed = [...new Set(Object.values(values))].slice(0, 10).join(', ');
  return (v) =>
    exact.get(v) ??
    lookup.get(v.toLowerCase()) ??
    new Rejection('INVALID_ENUM', `${quote(v)} is not one of: ${allowed}`);
}
