import type { ChunkTask } from '@ingest/contracts';
import { encodeCopyTextRow, normalizeRecord, type RowCheck } from '@ingest/domain';
import { compileColumns, parseTableSchema, type RowNormalizer } from '@ingest/normalize';
import type { ChunkPayload, RejectedRow } from '@ingest/postgres';
import { parse, type CsvError, type Info } from 'csv-parse';
import { isUtf8 } from 'node:buffer';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** COPY data is written in slices of at least this size: one write per record measured 4 MB/s. */
const COPY_WRITE_BYTES = 256 * 1024;

interface ParsedRecord {
  record: string[];
  info: Info;
  raw: string;
}

const TRAILING_TERMINATOR = /(\r\n|\n|\r)$/;

const countLineBreaks = (text: string): number => {
  const matches = text.match(/\r\n|\n|\r/g);
  return matches ? matches.length : 0;
};

/** Physical line where a record starts, from the parser's line count at its end. */
const startLine = (task: ChunkTask, endLines: number, raw: string): number =>
  task.firstLine - 1 + endLines - countLineBreaks(raw.replace(TRAILING_TERMINATOR, ''));

/**
 * A chunk the splitter flagged as not valid UTF-8 is parsed as latin1 (one
 * char per byte: lossless, and the ASCII delimiter and quote parse the same);
 * each field is then checked and decoded here, so one bad field rejects its
 * record instead of failing the chunk's COPY.
 */
function decodeLatin1Fields(fields: string[]): RowCheck | string[] {
  const out: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const bytes = Buffer.from(fields[i] ?? '', 'latin1');
    if (!isUtf8(bytes)) {
      return { ok: false, code: 'INVALID_UTF8', message: `field ${i + 1} is not valid UTF-8` };
    }
    out.push(bytes.toString('utf8'));
  }
  return out;
}

type FieldCheck = { ok: true } | Extract<RowCheck, { ok: false }>;

/** The record's width against the header's, and no NUL byte (PostgreSQL text cannot hold one). */
function checkFields(fields: readonly string[], width: number): FieldCheck {
  if (fields.length !== width) {
    return {
      ok: false,
      code: fields.length > width ? 'TOO_MANY_FIELDS' : 'TOO_FEW_FIELDS',
      message: `expected ${width} fields, found ${fields.length}`,
    };
  }
  for (let i = 0; i < fields.length; i++) {
    if ((fields[i] as string).includes('\u0000')) {
      return { ok: false, code: 'NUL_BYTE', message: `field ${i + 1} contains a NUL byte` };
    }
  }
  return { ok: true };
}

/**
 * The task's schema bound to its header, once per chunk; null for a
 * schemaVersion 1 task (all text, values trimmed, empty → NULL).
 */
function rowNormalizer(task: ChunkTask): RowNormalizer | null {
  if (task.schemaVersion !== 2 || task.schema === undefined || task.header === undefined) {
    return null;
  }
  return compileColumns(parseTableSchema(task.schema), task.header);
}

/**
 * Turns a chunk's CSV bytes into COPY text, normalizing each record and
 * collecting the records that cannot be loaded (with their line and raw text).
 */
class CopyTextEncoder extends Transform {
  loaded = 0;
  readonly rejected: RejectedRow[] = [];
  private pending: string[] = [];
  private pendingBytes = 0;

  private readonly normalizer: RowNormalizer | null;
  private readonly width: number;

  constructor(private readonly task: ChunkTask) {
    super({ writableObjectMode: true, readableObjectMode: false });
    this.normalizer = rowNormalizer(task);
    this.width = task.header?.length ?? task.columns.length;
  }

  /**
   * Records a reject. `endBytes` is the parser's byte count at the record's end,
   * so the record starts `raw`'s length before it (offsets are in the file's bytes).
   */
  reject(
    reason: { code: string; message: string; column?: string },
    raw: string,
    endLines: number,
    endBytes: number,
  ): void {
    // Parsed as latin1, the text maps back to the file's exact bytes.
    const encoding = this.task.invalidUtf8 ? 'latin1' : 'utf8';
    const offset = this.task.range.start + endBytes - Buffer.byteLength(raw, encoding);
    const bytes = Buffer.from(raw.replace(TRAILING_TERMINATOR, ''), encoding);
    this.rejected.push({
      line: startLine(this.task, endLines, raw),
      offset,
      code: reason.code,
      message: reason.message,
      raw: bytes,
      column: reason.column ?? null,
    });
  }

  override _transform(row: ParsedRecord, _enc: BufferEncoding, cb: TransformCallback): void {
    let fields = row.record;
    let checked: RowCheck | undefined;
    if (this.task.invalidUtf8) {
      const decoded = decodeLatin1Fields(fields);
      if (Array.isArray(decoded)) fields = decoded;
      else checked = decoded;
    }
    let values: (string | null)[];
    if (this.normalizer === null) {
      checked ??= normalizeRecord(fields, this.width);
      if (!checked.ok) return this.rejectRow(row, checked.code, checked.message, cb);
      values = checked.values;
    } else {
      if (checked && !checked.ok) return this.rejectRow(row, checked.code, checked.message, cb);
      const shape = checkFields(fields, this.width);
      if (!shape.ok) return this.rejectRow(row, shape.code, shape.message, cb);
      const normalized = this.normalizer.normalizeRow(fields);
      if (!normalized.ok) {
        const message = `${normalized.column}: ${normalized.message}`;
        return this.rejectRow(row, normalized.code, message, cb, normalized.column);
      }
      values = normalized.values;
    }
    const line = encodeCopyTextRow(values);
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.loaded++;
    if (this.pendingBytes >= COPY_WRITE_BYTES) this.flushPending();
    cb();
  }

  private rejectRow(
    row: ParsedRecord,
    code: string,
    message: string,
    cb: TransformCallback,
    column?: string,
  ): void {
    this.reject({ code, message, column }, row.raw, row.info.lines, row.info.bytes);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.flushPending();
    cb();
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    this.push(Buffer.from(this.pending.join(''), 'utf8'));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** Builds the COPY payload for one chunk task from its byte range's stream. */
export function createCopyPayload(task: ChunkTask, source: Readable): ChunkPayload {
  const encoder = new CopyTextEncoder(task);
  const parser = parse({
    encoding: task.invalidUtf8 ? 'latin1' : 'utf8',
    // A byte-order mark only means one at the very start of the file; mid-file U+FEFF is data.
    bom: task.range.start === 0,
    delimiter: task.dialect.delimiter,
    quote: task.dialect.quote,
    escape: task.dialect.quote,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    // A quote inside an unquoted field is a literal, as the splitter's planner reads it.
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
    raw: true,
    // A malformed record becomes a reject instead of ending the chunk.
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined, raw: string | undefined) => {
      if (!err) return;
      const text = raw ?? '';
      const { code, message } = err;
      encoder.reject({ code, message }, text, Number(err.lines ?? 0), Number(err.bytes ?? 0));
    },
  });
  source.on('error', (e) => parser.destroy(e));
  parser.on('error', (e) => encoder.destroy(e));
  source.pipe(parser).pipe(encoder);
  return {
    copy: encoder,
    summary: () => ({ loaded: encoder.loaded, rejected: encoder.rejected }),
  };
}
