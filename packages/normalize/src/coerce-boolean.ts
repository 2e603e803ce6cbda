import { type Coercer, Rejection, quote } from './reject';

const TRUE = ['true', 't', 'yes', 'y', '1', 'on'];
const FALSE = ['false', 'f', 'no', 'n', '0', 'off'];

const spellings = (word: string): string[] => [
  word,
  word.toUpperCase(),
  word.charAt(0).toUpperCase() + word.slice(1),
];

// Common spellings are looked up as written; anything else after lowercasing.
const WORDS = new Map<string, string>([
  ...TRUE.flatMap((w) => spellings(w).map((s): [string, string] => [s, 't'])),
  ...FALSE.flatMap((w) => spellings(w).map((s): [string, string] => [s, 'f'])),
]);

/** true/false/t/f/yes/no/y/n/1/0/on/off in any case → `t` / `f`. */
export const booleanCoercer: Coercer = (v) =>
  WORDS.get(v) ??
  WORDS.get(v.toLowerCase()) ??
  new Rejection('INVALID_BOOLEAN', `${quote(v)} is not a boolean (true/false, yes/no, 1/0, …)`);
