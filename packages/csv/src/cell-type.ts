export type CellType = 'empty' | 'number' | 'date' | 'boolean' | 'text';

/** Spellings of "no value" that say nothing about a column's type. */
const NULLS = new Set(['', 'null', 'na', 'n/a', 'nan', '\\n', '-']);

const DATES = [
  // ISO date, optionally with a time and zone: 2024-03-27, 2024-03-27T10:00:00.5Z
  /^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i,
  // Day and month in either order: 03/27/2024, 27.03.24, 27-03-2024
  /^\d{1,2}[/.-]\d{1,2}[/.-](?:\d{2}|\d{4})$/,
  /^\d{4}[/.]\d{1,2}[/.]\d{1,2}$/,
  // A time of day: 10:00, 10:00:00.123
  /^\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/,
];

// Integers, decimals with a point or a comma, thousands groups, exponents; a currency sign or % around.
const NUMBER =
  /^[$€£¥]?[+-]?(?:\d+(?:[.,]\d+)?|\d{1,3}(?:[,.' ]\d{3})+(?:[.,]\d+)?|[.,]\d+)(?:e[+-]?\d+)?%?$/i;

const BOOLEAN = /^(?:true|false|yes|no)$/i;

/** The kind of value a CSV cell holds, as far as telling a header from data needs to know. */
export function cellType(value: string): CellType {
  const v = value.trim();
  if (NULLS.has(v.toLowerCase())) return 'empty';
  if (DATES.some((re) => re.test(v))) return 'date';
  if (NUMBER.test(v)) return 'number';
  if (BOOLEAN.test(v)) return 'boolean';
  return 'text';
}
