/** What a column's byte path (fast-cell.ts) says about a cell, and where it puts a value. */

/** The value is the cell's bytes as they are. */
export const CELL_SAME = 0;
/** The value is NULL. */
export const CELL_NULL = 1;
/** The value is `cell.out[0, cell.outLength)`. */
export const CELL_OUT = 2;
/** Not decided here: use the column's string normalizer. */
export const CELL_SLOW = 3;
/**
 * The value is the valid date `cell.year`-`cell.month`-`cell.day`: a writer that stores
 * dates as numbers (binary COPY) takes the parts read here instead of reading ISO text again.
 */
export const CELL_DATE = 4;
export type CellOutcome =
  typeof CELL_SAME | typeof CELL_NULL | typeof CELL_OUT | typeof CELL_SLOW | typeof CELL_DATE;

export interface FastCell {
  /** A CELL_SAME value is free text, which COPY may need escaped; no other value ever is. */
  readonly escapes: boolean;
  /** Where a CELL_OUT value is; never needs escaping. */
  readonly out: Buffer;
  readonly outLength: number;
  /** A CELL_DATE value's parts. */
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** Reads `buf[start, end)`: valid UTF-8 without NUL, quotes already removed. */
  read(buf: Buffer, start: number, end: number): CellOutcome;
}

export type TypeRead = (buf: Buffer, start: number, end: number, cell: MutableCell) => CellOutcome;

export interface MutableCell extends FastCell {
  out: Buffer;
  outLength: number;
  year: number;
  month: number;
  day: number;
}
