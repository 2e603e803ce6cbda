import { cellType, type CellType } from './cell-type';

/** Share of a column's non-empty values that must agree on a type for the column to have it. */
const DOMINANT_SHARE = 0.9;

/**
 * Whether `first` is a header above `rows`, in the manner of Python's
 * csv.Sniffer.has_header and DuckDB: each column votes. A typed column
 * (numbers, dates, booleans) votes "header" when its first cell is text and
 * "data" when its first cell has the column's type. A text column votes
 * "header" only when all its values have one length and the first cell
 * another (codes under a name). No votes, or a tie, means header: a file
 * whose first row cannot be told apart from the rest (all text) is far more
 * often headed than not, and a wrong guess there is visible and forceable.
 *
 * Distinct non-numeric names over a numeric or date column need no rule of
 * their own: such a row can only collect "header" votes. With no other rows to
 * compare against, a row of only numbers, dates and booleans is data.
 */
export function detectHeader(first: string[], rows: string[][]): boolean {
  if (rows.length === 0) {
    const types = first.map(cellType).filter((t) => t !== 'empty');
    return types.length === 0 || types.some((t) => t === 'text');
  }
  let votes = 0;
  first.forEach((name, column) => {
    const values = rows
      .map((row) => row[column])
      .filter((v): v is string => v !== undefined && cellType(v) !== 'empty');
    const type = dominantType(values);
    const nameType = cellType(name);
    if (type === undefined || nameType === 'empty') return;
    if (type !== 'text') {
      if (nameType === 'text') votes++;
      else if (nameType === type) votes--;
      return;
    }
    const length = values[0]?.length ?? -1;
    const fixedLength = values.length >= 2 && values.every((v) => v.length === length);
    if (fixedLength && nameType === 'text' && name.length !== length) votes++;
  });
  return votes >= 0;
}

function dominantType(values: string[]): CellType | undefined {
  if (values.length === 0) return undefined;
  const counts = new Map<CellType, number>();
  for (const v of values) {
    const type = cellType(v);
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  for (const [type, count] of counts) {
    if (count >= DOMINANT_SHARE * values.length) return type;
  }
  return undefined;
}
