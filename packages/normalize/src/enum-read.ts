import { lowerAsciiAt } from './ascii-case';
import * as outcome from './cell-outcome';
import type { TypeRead } from './cell-outcome';
import { enumLookup, enumSpellings } from './coerce-enum';

// Imported bindings compile to getter calls (tsx, swc); the per-cell path reads local copies.
const CELL_OUT = outcome.CELL_OUT;
const CELL_SLOW = outcome.CELL_SLOW;
const lowerAt = lowerAsciiAt;

/** Past this many spellings the string path's Map beats a scan of one length's spellings. */
const MAX_SPELLINGS = 256;
/** COPY text escapes these bytes, and a CELL_OUT value never needs escaping. */
const ESCAPED = /[\\\t\n\r]/;

interface Spelling {
  bytes: Buffer;
  /** The canonical value's bytes; null when it is the string path's to write (escapes). */
  out: Buffer | null;
}

/** Spellings grouped by their length in bytes: a cell is compared only with its own length's. */
function byLength(pairs: Iterable<[string, string]>): Spelling[][] {
  const groups: Spelling[][] = [];
  for (const [spelling, canonical] of pairs) {
    const bytes = Buffer.from(spelling, 'utf8');
    const out = ESCAPED.test(canonical) ? null : Buffer.from(canonical, 'utf8');
    (groups[bytes.length] ??= []).push({ bytes, out });
  }
  return groups;
}

/**
 * enumCoercer on bytes: a cell spelled exactly as listed, or (an ASCII cell) matching a
 * spelling in any case, is its canonical value (`cell.out`). Anything else — no match, a
 * non-ASCII cell that is not exact (toLowerCase's rules are the string path's) — is
 * CELL_SLOW. Null for an enum with more spellings than a scan suits.
 */
export function enumRead(values: Readonly<Record<string, string>>): TypeRead | null {
  const exact = enumSpellings(values);
  const lookup = enumLookup(values);
  if (exact.size + lookup.size > MAX_SPELLINGS) return null;
  const exactByLength = byLength(exact);
  // Keys are lowercase; only ASCII keys (one byte a character) can equal an ASCII cell lowercased.
  const caseless = byLength([...lookup].filter(([key]) => Buffer.byteLength(key) === key.length));
  return (buf, start, end, cell) => {
    const n = end - start;
    const exactly = exactByLength[n];
    if (exactly !== undefined) {
      for (const s of exactly) {
        // Compared in JS: spellings are a few bytes, shorter than a native call costs.
        let i = 0;
        while (i < n && buf[start + i] === s.bytes[i]) i++;
        if (i < n) continue;
        if (s.out === null) return CELL_SLOW;
        cell.out = s.out;
        cell.outLength = s.out.length;
        return CELL_OUT;
      }
    }
    // A non-ASCII byte never equals an ASCII key's: such a cell falls through to the string path.
    const candidates = caseless[n];
    if (candidates === undefined) return CELL_SLOW;
    for (const s of candidates) {
      let i = 0;
      while (i < n && lowerAt(buf, start + i) === s.bytes[i]) i++;
      if (i < n) continue;
      if (s.out === null) return CELL_SLOW;
      cell.out = s.out;
      cell.outLength = s.out.length;
      return CELL_OUT;
    }
    return CELL_SLOW;
  };
}
