import { FieldKind, type CsvRecord, type CsvRecordReader } from '@ingest/csv';
import type { CopyRowWriter } from '@ingest/pg-copy';
import {
  CELL_NULL,
  CELL_OUT,
  CELL_SAME,
  Rejection,
  type ColumnCell,
  type RowNormalizer,
} from '@ingest/normalize';

/** Why a record cannot be loaded: a stable code, a message, and the column where one is at fault. */
export interface Reason {
  code: string;
  message: string;
  column?: string;
}

/**
 * Writes one record's values in column order through the writer; returns the first column
 * that fails, or null. The caller has checked the record's width.
 */
export type RowEncoder = (r: CsvRecord) => Reason | null;

/** What a row encoder reads its cells with and writes its values to. */
export interface RowEncoderParts {
  normalizer: Pick<RowNormalizer, 'cells' | 'columns' | 'sourceIndex'>;
  writer: CopyRowWriter;
  /** Unescapes the fields written with doubled quotes or text after the closing quote. */
  reader: Pick<CsvRecordReader, 'fieldBytes'>;
}

/** Turns a failed cell into the row's reason. */
const rejectionReason = (column: string, value: Rejection): Reason => ({
  code: value.code,
  message: `${column}: ${value.message}`,
  column,
});

/**
 * The job's column plan compiled into one function with a straight run of code per column:
 * its field index, whether it has a byte path, whether its value may need escaping and its
 * absent value are constants, and every call site sees one column only, so the JIT inlines
 * each column's reads and writes instead of dispatching per field. Only integers and
 * booleans are written into the source; everything else is passed in as a value.
 * Its result equals `encodeRowByLoop`'s for every record (tested).
 */
export function compileRowEncoder(parts: RowEncoderParts): RowEncoder {
  const { cells, sourceIndex } = parts.normalizer;
  const lines: string[] = [
    'const w = parts.writer;',
    'const reader = parts.reader;',
    'const columns = parts.normalizer.columns;',
    'return function encodeRow(r) {',
    '  const buf = r.buf, starts = r.starts, ends = r.ends, kinds = r.kinds;',
    '  let b, s, e, o, v;',
  ];
  const head: string[] = [];
  cells.forEach((cell, c) => {
    head.push(
      `const cell${c} = cells[${c}], fast${c} = cell${c}.fast, norm${c} = cell${c}.normalize;`,
    );
    const at = sourceIndex[c] as number;
    if (!Number.isInteger(at)) throw new Error(`column ${c}: no source index`);
    if (at < 0) {
      lines.push(
        cell.absent === null ? `  w.cellNull(${c});` : `  w.cellString(${c}, cell${c}.absent);`,
      );
      return;
    }
    lines.push(
      `  b = buf; s = starts[${at}]; e = ends[${at}];`,
      `  if (kinds[${at}] >= ${FieldKind.QuotedEscaped}) { b = reader.fieldBytes(r, ${at}); s = 0; e = b.length; }`,
    );
    let slow = `  {`;
    if (cell.fast !== null) {
      lines.push(
        `  o = fast${c}.read(b, s, e);`,
        `  if (o === ${CELL_SAME}) w.cell(${c}, b, s, e, ${cell.fast.escapes ? 'true' : 'false'});`,
        `  else if (o === ${CELL_NULL}) w.cellNull(${c});`,
        `  else if (o === ${CELL_OUT}) w.cell(${c}, fast${c}.out, 0, fast${c}.outLength, false);`,
      );
      slow = `  else {`;
    }
    lines.push(
      slow,
      `    v = norm${c}(b.toString('utf8', s, e));`,
      `    if (v === null) w.cellNull(${c});`,
      `    else if (v instanceof Rejection) return rejectionReason(columns[${c}], v);`,
      `    else w.cellString(${c}, v);`,
      `  }`,
    );
  });
  lines.push('  return null;', '};');
  const body = [...head, ...lines].join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from integers only
  const factory = new Function('parts', 'cells', 'Rejection', 'rejectionReason', body) as (
    parts: RowEncoderParts,
    cells: readonly ColumnCell[],
    rejection: typeof Rejection,
    reason: typeof rejectionReason,
  ) => RowEncoder;
  return factory(parts, cells, Rejection, rejectionReason);
}

// Imported bindings compile to getter calls (tsx, swc); the per-cell loop reads local copies.
const SAME = CELL_SAME;
const NULL = CELL_NULL;
const OUT = CELL_OUT;
const ESCAPED = FieldKind.QuotedEscaped;
const REJECTION = Rejection;

/**
 * The same as compileRowEncoder's function, as one loop over the columns: the reference the
 * compiled encoder is tested against.
 */
export function encodeRowByLoop(parts: RowEncoderParts, r: CsvRecord): Reason | null {
  const { writer, reader } = parts;
  const { cells, sourceIndex, columns } = parts.normalizer;
  const { starts, ends, kinds } = r;
  for (let c = 0; c < cells.length; c++) {
    const cell = cells[c] as ColumnCell;
    const at = sourceIndex[c] as number;
    if (at < 0) {
      if (cell.absent === null) writer.cellNull(c);
      else writer.cellString(c, cell.absent);
      continue;
    }
    let buf = r.buf;
    let start = starts[at] as number;
    let end = ends[at] as number;
    if ((kinds[at] as number) >= ESCAPED) {
      buf = reader.fieldBytes(r, at);
      start = 0;
      end = buf.length;
    }
    const fast = cell.fast;
    if (fast !== null) {
      const outcome = fast.read(buf, start, end);
      if (outcome === SAME) {
        writer.cell(c, buf, start, end, fast.escapes);
        continue;
      }
      if (outcome === NULL) {
        writer.cellNull(c);
        continue;
      }
      if (outcome === OUT) {
        writer.cell(c, fast.out, 0, fast.outLength, false);
        continue;
      }
    }
    const value = cell.normalize(buf.toString('utf8', start, end));
    if (value instanceof REJECTION) return rejectionReason(columns[c] as string, value);
    if (value === null) writer.cellNull(c);
    else writer.cellString(c, value);
  }
  return null;
}
