import { RE2JS } from 're2js';
import type { Transform } from './table-schema';

/** A compiled transform chain: raw cell → cleaned text, or null. */
export type Pipeline = (raw: string) => string | null;
type Step = (v: string | null) => string | null;

export const REPLACE_FLAGS = /^[gimsuv]*$/;

/** A compiled `replace` transform: every match replaced, as String#replace with a global regex. */
export type Replacer = (value: string) => string;

const RE2_FLAGS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};

/**
 * Compiles a replace pattern (always global) for RE2, whose matching time is
 * linear in the cell's length: a user's pattern such as `(a+)+$` cannot make a
 * loader backtrack for seconds on one cell. Backreferences and lookarounds are
 * not RE2 syntax and are refused here (SCHEMA_INVALID at validation); `u` and
 * `v` change nothing (RE2 reads code points always). The replacement is
 * expanded as by String#replace (`$1`, `$<name>`, `$&`, `$$`).
 */
export function compileReplace(
  pattern: string,
  flags: string | undefined,
  replacement = '',
): Replacer {
  let bits = 0;
  for (const f of flags ?? '') bits |= RE2_FLAGS[f] ?? 0;
  let re: RE2JS;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(pattern), bits);
  } catch (e) {
    throw new Error(
      `${(e as Error).message} (patterns use RE2 syntax, which runs in linear time: no backreferences or lookarounds)`,
    );
  }
  return (value) => re.matcher(value).replaceAll(replacement);
}

const NEEDS_COLLAPSE = /\s\s|[^\S ]/;

/** Set lookup, skipped for values longer than every token (hashing a long text costs a full scan). */
function tokenMatcher(tokens: readonly string[]): (v: string) => boolean {
  const set = new Set(tokens);
  const longest = Math.max(0, ...tokens.map((t) => t.length));
  return (v) => v.length <= longest && set.has(v);
}

const TITLE_WORD = /(^|[\s-])(\p{L})/gu;

function step(t: Transform, nullTokens: readonly string[]): Step | null {
  switch (t.type) {
    case 'trim':
      return t.enabled === false ? null : (v) => (v === null ? null : v.trim());
    case 'collapse_whitespace':
      // Most values have nothing to collapse: test before allocating a copy.
      return (v) => (v === null || !NEEDS_COLLAPSE.test(v) ? v : v.replace(/\s+/g, ' '));
    case 'upper':
      return (v) => (v === null ? null : v.toUpperCase());
    case 'lower':
      return (v) => (v === null ? null : v.toLowerCase());
    case 'title':
      return (v) =>
        v === null
          ? null
          : v
              .toLowerCase()
              .replace(TITLE_WORD, (_m, pre: string, ch: string) => pre + ch.toUpperCase());
    case 'null_tokens': {
      if (t.enabled === false) return null;
      const isToken = tokenMatcher(t.tokens ?? nullTokens);
      return (v) => (v === null || isToken(v) ? null : v);
    }
    case 'replace': {
      const replace = compileReplace(t.pattern, t.flags, t.replacement);
      return (v) => (v === null ? null : replace(v));
    }
    case 'default': {
      const value = t.value;
      return (v) => (v === null || v === '' ? value : v);
    }
  }
}

/**
 * The column's transforms, in order. Omitted → `trim`, `null_tokens`. A given
 * list still starts with `trim` and ends with `null_tokens` (placed before
 * a `default` step if there is one) unless it names them itself (`{type: "trim", enabled: false}` turns trimming off), because a
 * list meant to add `upper` should not silently stop empty cells being NULL.
 * Trimming uses String#trim: every Unicode space (U+00A0, U+2003, U+3000, BOM).
 */
export function compilePipeline(
  transforms: readonly Transform[] | undefined,
  nullTokens: readonly string[],
): Pipeline {
  const list: Transform[] = [...(transforms ?? [])];
  if (!list.some((t) => t.type === 'trim')) list.unshift({ type: 'trim' });
  if (!list.some((t) => t.type === 'null_tokens')) {
    // Before a `default` step, so that step also replaces "NULL", "N/A", …
    const at = list.findIndex((t) => t.type === 'default');
    list.splice(at < 0 ? list.length : at, 0, { type: 'null_tokens' });
  }
  const steps = list.map((t) => step(t, nullTokens)).filter((s): s is Step => s !== null);

  // The default chain is the hot path of nearly every column: one closure, no loop.
  if (list.length === 2 && list[0]?.type === 'trim' && list[0].enabled !== false) {
    const last = list[1];
    if (last?.type === 'null_tokens' && last.enabled !== false) {
      const isToken = tokenMatcher(last.tokens ?? nullTokens);
      return (raw) => {
        const v = raw.trim();
        return isToken(v) ? null : v;
      };
    }
  }
  return (raw) => {
    let v: string | null = raw;
    for (let i = 0; i < steps.length; i++) v = (steps[i] as Step)(v);
    return v;
  };
}
