import { type Coercer, Rejection, quote } from './reject';

/**
 * Escapes jsonb refuses although JSON.parse accepts them: \u0000 and unpaired
 * surrogates. One pass over the text, tracking backslashes inside strings.
 */
function badEscape(v: string): string | null {
  let inString = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x22) inString = !inString;
    else if (c === 0x5c && inString) {
      if (v.charCodeAt(i + 1) === 0x75) {
        const code = parseInt(v.slice(i + 2, i + 6), 16);
        if (code === 0) return '\\u0000 cannot be stored in jsonb';
        if (code >= 0xd800 && code <= 0xdbff) {
          const next =
            v.charCodeAt(i + 6) === 0x5c && v.charCodeAt(i + 7) === 0x75
              ? parseInt(v.slice(i + 8, i + 12), 16)
              : -1;
          if (next < 0xdc00 || next > 0xdfff) return 'unpaired surrogate escape';
          i += 6;
        } else if (code >= 0xdc00 && code <= 0xdfff) {
          return 'unpaired surrogate escape';
        }
        i += 5;
      } else {
        i++; // skip the escaped character (also \" and \\)
      }
    }
  }
  return null;
}

/** Must be valid JSON that jsonb accepts; emitted exactly as written. */
export const jsonCoercer: Coercer = (v) => {
  try {
    JSON.parse(v);
  } catch (e) {
    const reason = e instanceof Error ? e.message : 'parse error';
    return new Rejection('INVALID_JSON', `${quote(v)} is not JSON: ${reason}`);
  }
  const problem = v.includes('\\u') ? badEscape(v) : null;
  return problem === null ? v : new Rejection('INVALID_JSON', `${quote(v)}: ${problem}`);
};
