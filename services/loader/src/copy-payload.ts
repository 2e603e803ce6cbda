import type { ChunkTask } from '@ingest/contracts';
import { CsvRecordReader, FieldKind, type CsvRecord } from '@ingest/csv';
import {
  CopyBinaryWriter,
  CopyTextWriter,
  binaryColumnKind,
  type BinaryColumnKind,
  type CopyRowWriter,
} from '@ingest/pg-copy';
import {
  CELL_DATE,
  CELL_NULL,
  CELL_OUT,
  CELL_SAME,
  Rejection,
  compileColumns,
  parseTableSchema,
  type ColumnCell,
  type RowNormalizer,
} from '@ingest/normalize';
import { loadStrategyFor, type ChunkPayload, type RejectedRow } from '@ingest/loading';
import { isUtf8 } from 'node:buffer';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** The task's schema bound to its header, once per chunk. */
function rowNormalizer(task: ChunkTask): RowNormalizer {
  return compileColumns(parseTableSchema(task.schema), task.header);
}

// Imported bindings compile to getter calls (tsx, swc); the per-cell loop reads local copies.
const SAME = CELL_SAME;
const NULL = CELL_NULL;
const OUT = CELL_OUT;
const DATE = CELL_DATE;
const ESCAPED = FieldKind.QuotedEscaped;
const TRAILING = FieldKind.QuotedTrailing;
const REJECTION = Rejection;

export type CopyFormat = 'text' | 'binary';

/**
 * Binary when asked for and every target column has a binary encoding here
 * (the common types); text otherwise — a table can have types of its own.
 */
export function copyFormatFor(task: ChunkTask, preferred: CopyFormat): CopyFormat {
  if (preferred === 'text' || task.columnTypes === undefined) return 'text';
  return task.columnTypes.every((t) => binaryColumnKind(t) !== null) ? 'binary' : 'text';
}

/** Whether the task's load strategy wants each row's file position as an extra last column. */
const carriesPositions = (task: ChunkTask): boolean =>
  loadStrategyFor(task.load, {
    jobId: task.jobId,
    schema: task.targetSchema,
    table: task.table,
    columns: task.columns,
  }).positions;

function rowWriter(task: ChunkTask, format: CopyFormat, positions: boolean): CopyRowWriter {
  if (format === 'text') return new CopyTextWriter();
  const kinds = (task.columnTypes ?? []).map((t) => binaryColumnKind(t) as BinaryColumnKind);
  return new CopyBinaryWriter(kinds, positions);
}

interface Reason {
  code: string;
  message: string;
  column?: string;
}

/**
 * Turns a chunk's CSV bytes into COPY data: records are read from the bytes
 * (CsvRecordReader), each cell goes through its column's byte path where it
 * has one and its string normalizer otherwise, and rows are written straight
 * into ~256 KiB COPY buffers (text or binary format). Records that cannot be
 * loaded are collected with their line, byte offset and exact bytes.
 */
export class CopyEncoder extends Transform {
  loaded = 0;
  readonly rejected: RejectedRow[] = [];

  private readonly reader: CsvRecordReader;
  private readonly writer: CopyRowWriter;
  private readonly cells: readonly ColumnCell[];
  private readonly columns: readonly string[];
  private readonly sourceIndex: Int32Array;
  private readonly width: number;
  private readonly checkUtf8: boolean;
  /** Each row's file position (chunk × 2³² + record), as an extra last column; -1: none. */
  private position: number;
  /** Position of the next NUL byte in `nulBuf` at or after the last record checked (-1: none). */
  private nulBuf: Buffer | null = null;
  private nextNul = -1;

  constructor(
    task: ChunkTask,
    readonly format: CopyFormat = 'text',
  ) {
    super();
    const positions = carriesPositions(task);
    this.writer = rowWriter(task, format, positions);
    const normalizer = rowNormalizer(task);
    this.cells = normalizer.cells;
    this.columns = normalizer.columns;
    this.sourceIndex = Int32Array.from(normalizer.sourceIndex);
    this.width = task.header.length;
    this.checkUtf8 = task.invalidUtf8;
    this.position = positions ? task.chunkIndex * 2 ** 32 : -1;
    this.reader = new CsvRecordReader({
      delimiter: task.dialect.delimiter.charCodeAt(0),
      quote: task.dialect.quote.charCodeAt(0),
      // A byte-order mark only means one at the very start of the file; mid-file U+FEFF is data.
      skipBom: task.range.start === 0,
      firstOffset: task.range.start,
      firstLine: task.firstLine,
    });
  }

  override _transform(piece: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.reader.push(piece, this.onRecord);
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.reader.finish(this.onRecord);
    } catch (e) {
      cb(e as Error);
      return;
    }
    const rest = this.writer.takeRest();
    if (rest) this.push(rest);
    cb();
  }

  private readonly onRecord = (r: CsvRecord): void => {
    if (r.unclosedQuote) {
      const line = this.reader.lineOf(r);
      return this.reject(r, {
        code: 'CSV_QUOTE_NOT_CLOSED',
        message: `Quote Not Closed: the quoted field opened on line ${line} is never closed`,
      });
    }
    if (this.checkUtf8) {
      for (let i = 0; i < r.count; i++) {
        if (!isUtf8(r.buf.subarray(r.starts[i], r.ends[i]))) {
          return this.reject(r, {
            code: 'INVALID_UTF8',
            message: `field ${i + 1} is not valid UTF-8`,
          });
        }
      }
    }
    if (r.count !== this.width) {
      return this.reject(r, {
        code: r.count > this.width ? 'TOO_MANY_FIELDS' : 'TOO_FEW_FIELDS',
        message: `expected ${this.width} fields, found ${r.count}`,
      });
    }
    const nulField = this.nulField(r);
    if (nulField >= 0) {
      return this.reject(r, {
        code: 'NUL_BYTE',
        message: `field ${nulField + 1} contains a NUL byte`,
      });
    }
    const failed = this.writeRow(r);
    if (failed !== null) {
      this.writer.discardRow();
      return this.reject(r, failed);
    }
    if (this.position >= 0) this.writer.position(this.position++);
    this.writer.endRow();
    this.loaded++;
    // Handed on by the row, not by the piece read: a piece's rows can outgrow the buffer,
    // which would then be grown and copied.
    const full = this.writer.takeFull();
    if (full !== null) this.push(full);
  };

  /** Writes the record's values in column order; the first column that fails, or null. */
  private writeRow(r: CsvRecord): Reason | null {
    const { writer, cells, sourceIndex } = this;
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
      const kind = kinds[at] as FieldKind;
      if (kind === ESCAPED) {
        // Into the reader's scratch buffer, used up by this cell before the next unescape.
        end = this.reader.unescapedField(r, at);
        buf = this.reader.scratch;
        start = 0;
      } else if (kind === TRAILING) {
        buf = this.reader.fieldBytes(r, at);
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
        if (outcome === DATE) {
          writer.cellDate(c, fast.year, fast.month, fast.day);
          continue;
        }
        if (outcome === OUT) {
          writer.cell(c, fast.out, 0, fast.outLength, false);
          continue;
        }
      }
      const value = cell.normalize(buf.toString('utf8', start, end));
      if (value instanceof REJECTION) {
        const column = this.columns[c] as string;
        return { code: value.code, message: `${column}: ${value.message}`, column };
      }
      if (value === null) writer.cellNull(c);
      else writer.cellString(c, value);
    }
    return null;
  }

  /** The first field holding a NUL byte (PostgreSQL text cannot), or -1; linear per buffer. */
  private nulField(r: CsvRecord): number {
    const buf = r.buf;
    if (this.nulBuf !== buf || (this.nextNul >= 0 && this.nextNul < r.start)) {
      this.nulBuf = buf;
      this.nextNul = buf.indexOf(0, r.start);
    }
    if (this.nextNul < 0 || this.nextNul >= r.end) return -1;
    for (let i = 0; i < r.count; i++) {
      const start = r.starts[i] as number;
      const end = r.ends[i] as number;
      const at = buf.indexOf(0, start);
      if (at >= 0 && at < end) return i;
    }
    return -1;
  }

  private reject(r: CsvRecord, reason: Reason): void {
    this.rejected.push({
      line: this.reader.lineOf(r),
      offset: this.reader.offsetOf(r),
      code: reason.code,
      message: reason.message,
      // Copied: the reader reuses its buffer.
      raw: Buffer.from(r.buf.subarray(r.start, r.end)),
      column: reason.column ?? null,
    });
  }
}

/** Builds the COPY payload for one chunk task from its byte range's stream. */
export function createCopyPayload(
  task: ChunkTask,
  source: Readable,
  preferred: CopyFormat = 'binary',
): ChunkPayload {
  const encoder = new CopyEncoder(task, copyFormatFor(task, preferred));
  source.on('error', (e) => encoder.destroy(e));
  source.pipe(encoder);
  return {
    copy: encoder,
    format: encoder.format,
    summary: () => ({ loaded: encoder.loaded, rejected: encoder.rejected }),
  };
}
