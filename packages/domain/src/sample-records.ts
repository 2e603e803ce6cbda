export type LineEnding = '\n' | '\r\n' | '\r';

export interface SampleRecord {
  fields: string[];
  /** Fields enclosed in quotes and closed cleanly (before a delimiter, a terminator or the end). */
  quotedFields: number;
  /** '' when the text ended without one. */
  terminator: LineEnding | '';
}

export interface SampleParse {
  records: SampleRecord[];
  /** The text ended inside a quoted field; that cut record is not in `records`. */
  openQuote: boolean;
}

const LF = 0x0a;
const CR = 0x0d;

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/**
 * Splits decoded sample text into records the way the loader's csv-parse does
 * (and the chunk planner agrees): quotes open only at a field's start, `""`
 * escapes, text after a closing quote is kept (`"ab"c` is the value `"ab"c`),
 * LF / CRLF / CR end records, blank lines are skipped. At most `maxRecords`
 * records are read, bounding the sniffer's work per sample.
 */
export function parseSampleRecords(
  text: string,
  delimiter: string,
  quote: string,
  maxRecords: number,
): SampleParse {
  const d = delimiter.charCodeAt(0);
  const q = quote.charCodeAt(0);
  const records: SampleRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quotedFields = 0;
  let hasContent = false;
  let state: State = 'fieldStart';

  const endField = (): void => {
    if (state === 'quoteInQuoted') quotedFields++;
    fields.push(field);
    field = '';
    state = 'fieldStart';
  };
  const endRecord = (terminator: LineEnding | ''): void => {
    if (hasContent) {
      endField();
      records.push({ fields, quotedFields, terminator });
    }
    fields = [];
    field = '';
    quotedFields = 0;
    hasContent = false;
    state = 'fieldStart';
  };

  let i = 0;
  while (i < text.length && records.length < maxRecords) {
    const c = text.charCodeAt(i);
    if (state === 'quoted') {
      if (c === q) state = 'quoteInQuoted';
      else field += text[i];
      i++;
      continue;
    }
    if (state === 'quoteInQuoted' && c === q) {
      field += quote; // `""`
      state = 'quoted';
      i++;
      continue;
    }
    if (c === LF || c === CR) {
      const crlf = c === CR && text.charCodeAt(i + 1) === LF;
      endRecord(crlf ? '\r\n' : c === LF ? '\n' : '\r');
      i += crlf ? 2 : 1;
      continue;
    }
    hasContent = true;
    if (c === d) {
      endField();
    } else if (state === 'fieldStart' && c === q) {
      state = 'quoted';
    } else {
      // After a closing quote the field goes on unquoted, quotes kept (as csv-parse does).
      if (state === 'quoteInQuoted') field = quote + field + quote;
      field += text[i];
      state = 'unquoted';
    }
    i++;
  }
  const openQuote = state === 'quoted' && records.length < maxRecords;
  if (!openQuote && records.length < maxRecords) endRecord('');
  return { records, openQuote };
}
