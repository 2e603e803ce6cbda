import { errors } from '@ingest/errors';
import { CsvRecordReader, FieldKind, type CsvRecord } from './csv-record-reader';
import { afterFirstLineBreak, lineEndingAt, type CsvSyntax, type LineEnding } from './csv-syntax';

/**
 * The synchronous front-end of the record reader: whole samples and header
 * records in, records of decoded strings out. It reads what the sniffer, the
 * schema inference and the header binding look at, by the same rules the
 * loaders read the file with.
 */

export interface SampleRecord {
  fields: string[];
  /** Fields enclosed in quotes and closed cleanly (before a delimiter, a terminator or the end). */
  quotedFields: number;
  /** '' when the sample ended without one. */
  terminator: LineEnding | '';
}

export interface SampleReadOptions {
  /**
   * The sample starts somewhere inside the file: everything up to its first
   * line break is dropped. Otherwise it starts the file, and a BOM is skipped.
   */
  cutStart: boolean;
  /** The sample ends before the file does: a last record without terminator is dropped. */
  cutEnd: boolean;
  /** Records read at most (bounds the work per sample). Default: all. */
  maxRecords?: number;
}

/** Reads every record of `input` as the whole input (push, then finish). */
function readWhole(
  input: Buffer,
  syntax: CsvSyntax,
  skipBom: boolean,
  onRecord: (r: CsvRecord, reader: CsvRecordReader) => void,
): void {
  const reader = new CsvRecordReader({ ...syntax, skipBom });
  const each = (r: CsvRecord) => onRecord(r, reader);
  reader.push(input, each);
  reader.finish(each);
}

const fieldsOf = (r: CsvRecord, reader: CsvRecordReader): string[] =>
  Array.from({ length: r.count }, (_, i) => reader.fieldBytes(r, i).toString('utf8'));

/**
 * The records of a sample cut from a file, decoded as UTF-8 (the delimiter,
 * quote and line breaks are ASCII, so decoding per field equals decoding the
 * whole sample). A record that runs into the sample's end inside a quoted
 * field is dropped: the cut left it unreadable.
 */
export function readSampleRecords(
  sample: Buffer,
  syntax: CsvSyntax,
  options: SampleReadOptions,
): SampleRecord[] {
  const max = options.maxRecords ?? Number.POSITIVE_INFINITY;
  let input = sample;
  if (options.cutStart) {
    const from = afterFirstLineBreak(sample);
    input = from < 0 ? Buffer.alloc(0) : sample.subarray(from);
  }
  const records: SampleRecord[] = [];
  readWhole(input, syntax, !options.cutStart, (r, reader) => {
    if (records.length >= max || r.unclosedQuote) return;
    let quotedFields = 0;
    for (let i = 0; i < r.count; i++) {
      const kind = r.kinds[i];
      if (kind === FieldKind.Quoted || kind === FieldKind.QuotedEscaped) quotedFields++;
    }
    records.push({
      fields: fieldsOf(r, reader),
      quotedFields,
      terminator: lineEndingAt(r.buf, r.end),
    });
  });
  if (options.cutEnd && records[records.length - 1]?.terminator === '') records.pop();
  return records;
}

export interface FirstRecord {
  fields: string[];
  /** The record runs to the end of the input inside a quoted field. */
  unclosedQuote: boolean;
}

/** The first record of `bytes` (a BOM and blank lines before it skipped), or undefined. */
export function readFirstRecord(bytes: Buffer, syntax: CsvSyntax): FirstRecord | undefined {
  let first: FirstRecord | undefined;
  readWhole(bytes, syntax, true, (r, reader) => {
    first ??= { fields: fieldsOf(r, reader), unclosedQuote: r.unclosedQuote };
  });
  return first;
}

/**
 * The header record's cells as written (trimmed by nothing): what a schema's
 * `source` matches. A header whose quote never closes is CSV_QUOTE_NOT_CLOSED;
 * one holding a NUL byte (which no PostgreSQL text, name or JSON can carry) is
 * CSV_INVALID_HEADER. `line` is the header's physical line, for the message.
 */
export function readHeaderCells(header: Buffer, syntax: CsvSyntax, line = 1): string[] {
  const first = readFirstRecord(header, syntax);
  if (first === undefined) throw errors.noHeader();
  if (first.unclosedQuote) throw errors.quoteNotClosed(`the header record (line ${line})`);
  const nul = first.fields.findIndex((f) => f.includes('\0'));
  if (nul >= 0) {
    throw errors.invalidHeader(
      `(line ${line}) holds a NUL byte in column ${nul + 1}, which PostgreSQL cannot store in a name`,
    );
  }
  return first.fields;
}

/** The physical line of the first record of a file's head: blank lines (and a BOM) before it are skipped. */
export function firstRecordLine(head: Buffer): number {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  let line = 1;
  for (; i < head.length; i++) {
    const c = head[i];
    if (c === 0x0a) line++;
    else if (c === 0x0d) {
      if (head[i + 1] === 0x0a) i++;
      line++;
    } else break;
  }
  return line;
}
