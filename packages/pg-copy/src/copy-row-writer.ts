/**
 * What the loader writes a row through, whatever the COPY format: each value
 * arrives as its canonical text (the normalizer's output, or the file's bytes
 * when they already are that), in column order.
 */
export interface CopyRowWriter {
  /** Column `column`'s value: the UTF-8 text `src[start, end)`; `escapes`: free text. */
  cell(column: number, src: Buffer, start: number, end: number, escapes: boolean): void;
  cellString(column: number, value: string): void;
  /** Column `column`'s value: a valid date (year 1–9999), as its parts. */
  cellDate(column: number, year: number, month: number, day: number): void;
  cellNull(column: number): void;
  /** The row's file position, a last bigint column (plans that resolve duplicate keys). */
  position(value: number): void;
  endRow(): void;
  discardRow(): void;
  takeFull(): Buffer | null;
  /** The rest, and for binary the trailer: call once, at the end. */
  takeRest(): Buffer | null;
}
