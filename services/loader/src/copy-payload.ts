import type { ChunkTask } from '@ingest/contracts';
import { encodeCopyTextRow, normalizeRecord } from '@ingest/domain';
import type { ChunkPayload, RejectedRow } from '@ingest/postgres';
import { parse, type CsvError, type Info } from 'csv-parse';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** COPY data is written in slices of at least this size: one write per record measured 4 MB/s. */
const COPY_WRITE_BYTES = 256 * 1024;

interface ParsedRecord {
  record: string[];
  info: Info;
  raw: string;
}

const countLineBreaks = (text: string): number => {
  const matches = text.match(/\r\n|\n|\r/g);
  return matches ? matches.length : 0;
};

/** Physical line where a record starts, from the parser's line count at its end. */
const startLine = (task: ChunkTask, endLines: number, raw: string): number =>
  task.firstLine - 1 + endLines - countLineBreaks(raw.replace(/(\r\n|\n|\r)$/, ''));

/**
 * Turns a chunk's CSV bytes into COPY text, normalizing each record and
 * collecting the records that cannot be loaded (with their line and raw text).
 */
class CopyTextEncoder extends Transform {
  loaded = 0;
  readonly rejected: RejectedRow[] = [];
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor(private readonly task: ChunkTask) {
    super({ writableObjectMode: true, readableObjectMode: false });
  }

  override _transform(row: ParsedRecord, _enc: BufferEncoding, cb: TransformCallback): void {
    const checked = normalizeRecord(row.record, this.task.columns.length);
    if (!checked.ok) {
      this.rejected.push({
        line: startLine(this.task, row.info.lines, row.raw),
        code: checked.code,
        message: checked.message,
        raw: row.raw.replace(/(\r\n|\n|\r)$/, ''),
      });
      cb();
      return;
    }
    const line = encodeCopyTextRow(checked.values);
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.loaded++;
    if (this.pendingBytes >= COPY_WRITE_BYTES) this.flushPending();
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
    delimiter: task.dialect.delimiter,
    quote: task.dialect.quote,
    escape: task.dialect.quote,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    raw: true,
    // A malformed record becomes a reject instead of ending the chunk.
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined, raw: string | undefined) => {
      if (!err) return;
      const text = raw ?? '';
      encoder.rejected.push({
        line: startLine(task, Number(err.lines ?? 0), text),
        code: err.code,
        message: err.message,
        raw: text.replace(/(\r\n|\n|\r)$/, ''),
      });
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
