/**
 * Recognises uploads that are not CSV from their first bytes, so a PNG or a
 * workbook is refused with a clear answer instead of being loaded as junk
 * rows. Three kinds of evidence, cheapest first: a format's magic number (or
 * a multipart envelope sent as a raw body), a sample full of control bytes,
 * and JSON text. Gzip is not a finding: it is a wrapper the splitter unpacks,
 * and what it holds is sniffed again.
 */

export interface FormatFinding {
  /** What the bytes are, as a phrase: "a PNG image", "an Excel workbook (.xlsx)". */
  format: string;
  /** What to send instead. */
  advice: string;
}

/** Bytes of the head the gateway waits for before it decides (less if the upload is shorter). */
export const FORMAT_SNIFF_BYTES = 4096;

const EXPORT_CSV = 'export the sheet as CSV (File → Save As → "CSV UTF-8") and upload that';
const NOT_TABULAR = 'only CSV (or gzip-compressed CSV) can be loaded';
const UNPACK = 'unpack it and upload the CSV inside (gzip-compressed CSV is accepted as it is)';

interface Signature {
  /** Bytes at `offset`; `null` matches any byte. */
  bytes: ReadonlyArray<number | null>;
  offset?: number;
  finding: FormatFinding;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const SIGNATURES: readonly Signature[] = [
  {
    bytes: [0x89, ...ascii('PNG'), 0x0d, 0x0a, 0x1a, 0x0a],
    finding: { format: 'a PNG image', advice: NOT_TABULAR },
  },
  { bytes: [0xff, 0xd8, 0xff], finding: { format: 'a JPEG image', advice: NOT_TABULAR } },
  { bytes: ascii('GIF87a'), finding: { format: 'a GIF image', advice: NOT_TABULAR } },
  { bytes: ascii('GIF89a'), finding: { format: 'a GIF image', advice: NOT_TABULAR } },
  { bytes: ascii('II*\0'), finding: { format: 'a TIFF image', advice: NOT_TABULAR } },
  { bytes: ascii('MM\0*'), finding: { format: 'a TIFF image', advice: NOT_TABULAR } },
  {
    bytes: [...ascii('RIFF'), null, null, null, null, ...ascii('WEBP')],
    finding: { format: 'a WebP image', advice: NOT_TABULAR },
  },
  { bytes: ascii('%PDF-'), finding: { format: 'a PDF document', advice: NOT_TABULAR } },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    finding: { format: 'a legacy Microsoft Office file (.xls or .doc)', advice: EXPORT_CSV },
  },
  {
    bytes: [...ascii('7z'), 0xbc, 0xaf, 0x27, 0x1c],
    finding: { format: 'a 7-Zip archive', advice: UNPACK },
  },
  { bytes: [...ascii('Rar!'), 0x1a, 0x07], finding: { format: 'a RAR archive', advice: UNPACK } },
  {
    bytes: [0xfd, ...ascii('7zXZ'), 0x00],
    finding: { format: 'an xz-compressed file', advice: UNPACK },
  },
  {
    bytes: [0x28, 0xb5, 0x2f, 0xfd],
    finding: { format: 'a zstd-compressed file', advice: UNPACK },
  },
  {
    // "BZh", the block size digit, then the first block's magic (π): never the start of text.
    bytes: [...ascii('BZh'), null, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59],
    finding: { format: 'a bzip2-compressed file', advice: UNPACK },
  },
  {
    bytes: ascii('SQLite format 3\0'),
    finding: {
      format: 'an SQLite database',
      advice: 'export the table as CSV (sqlite3: .mode csv, .headers on, .output file.csv)',
    },
  },
  {
    bytes: ascii('ARROW1'),
    finding: { format: 'an Apache Arrow file', advice: 'write the table as CSV and upload that' },
  },
  {
    bytes: [...ascii('Obj'), 0x01],
    finding: { format: 'an Apache Avro file', advice: 'write the records as CSV and upload that' },
  },
  { bytes: [0x7f, ...ascii('ELF')], finding: { format: 'an ELF executable', advice: NOT_TABULAR } },
  { bytes: ascii('\0asm'), finding: { format: 'a WebAssembly module', advice: NOT_TABULAR } },
  { bytes: ascii('OggS'), finding: { format: 'an Ogg media file', advice: NOT_TABULAR } },
  { bytes: ascii('fLaC'), finding: { format: 'a FLAC audio file', advice: NOT_TABULAR } },
  { bytes: ascii('ID3'), finding: { format: 'an MP3 audio file', advice: NOT_TABULAR } },
  {
    bytes: ascii('ftyp'),
    offset: 4,
    finding: { format: 'an MP4/QuickTime media file', advice: NOT_TABULAR },
  },
];

const matches = (head: Buffer, { bytes, offset = 0 }: Signature): boolean =>
  head.length >= offset + bytes.length &&
  bytes.every((b, i) => b === null || head[offset + i] === b);

const startsWithText = (head: Buffer, text: string): boolean =>
  head.subarray(0, text.length).toString('latin1').toLowerCase() === text;

/** What a ZIP archive holds, told by the member names in its local headers (in the head). */
function zipFinding(head: Buffer): FormatFinding {
  const names = head.toString('latin1');
  if (names.includes('xl/') || names.includes('xl\\')) {
    return { format: 'an Excel workbook (.xlsx)', advice: EXPORT_CSV };
  }
  if (names.includes('application/vnd.oasis.opendocument.spreadsheet')) {
    return { format: 'an OpenDocument spreadsheet (.ods)', advice: EXPORT_CSV };
  }
  if (names.includes('word/')) {
    return { format: 'a Word document (.docx)', advice: NOT_TABULAR };
  }
  if (names.includes('ppt/')) {
    return { format: 'a PowerPoint presentation (.pptx)', advice: NOT_TABULAR };
  }
  if (names.includes('[Content_Types].xml')) {
    return { format: 'an Office document (.xlsx, .docx or .pptx)', advice: EXPORT_CSV };
  }
  return { format: 'a ZIP archive', advice: UNPACK };
}

const MULTIPART_BOUNDARY = /^--[!-~]{1,70}\r?\n/;

/**
 * A multipart/form-data body sent as the file itself (`curl -F` to the raw
 * route): a boundary line, then part headers naming a Content-Disposition.
 */
function isMultipartEnvelope(head: Buffer): boolean {
  const text = head.subarray(0, 2048).toString('latin1');
  const boundary = MULTIPART_BOUNDARY.exec(text);
  if (!boundary) return false;
  const headers = text.slice(boundary[0].length).split(/\r?\n\r?\n/, 1)[0] ?? '';
  return /^content-disposition\s*:/im.test(headers);
}

/**
 * Magic numbers and envelopes from the file's first bytes (a few KiB are
 * plenty; ZIP members are named from the head only). Null: nothing known —
 * which includes gzip, a wrapper of CSV this service unpacks.
 */
export function sniffSignature(head: Buffer): FormatFinding | null {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304) return zipFinding(head);
  if (
    head.length >= 4 &&
    (head.readUInt32BE(0) === 0x504b0506 || head.readUInt32BE(0) === 0x504b0708)
  ) {
    return { format: 'a ZIP archive', advice: UNPACK };
  }
  for (const signature of SIGNATURES) if (matches(head, signature)) return signature.finding;
  // Parquet starts with "PAR1" and a binary page header, never with text after it.
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') {
    const next = head[4];
    if (next !== undefined && isControl(next)) {
      return { format: 'an Apache Parquet file', advice: 'write the table as CSV and upload that' };
    }
  }
  if (isMultipartEnvelope(head)) {
    return {
      format: 'a multipart/form-data body (a form upload sent as the file itself)',
      advice: 'send the CSV itself as the body of PUT /v1/jobs/raw, or the form to POST /v1/jobs',
    };
  }
  const text = withoutUtf8Bom(head);
  if (startsWithText(trimStart(text), '<?xml')) {
    return { format: 'an XML document', advice: NOT_TABULAR };
  }
  if (
    startsWithText(trimStart(text), '<!doctype html') ||
    startsWithText(trimStart(text), '<html')
  ) {
    return { format: 'an HTML page', advice: NOT_TABULAR };
  }
  return null;
}

/** C0 controls other than tab, LF and CR, and DEL: bytes text files do not hold. */
const isControl = (b: number): boolean =>
  (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f;

/**
 * Binary content: at least 1 % of the sample (and at least 8 bytes) are
 * control bytes. A stray NUL in a record stays a reject of that record.
 */
export function sniffBinary(sample: Buffer): FormatFinding | null {
  let controls = 0;
  let first = -1;
  for (let i = 0; i < sample.length; i++) {
    if (isControl(sample[i] as number)) {
      controls++;
      if (first < 0) first = i;
    }
  }
  if (controls < 8 || controls * 100 < sample.length) return null;
  return {
    format: `binary data (${controls} of the first ${sample.length} bytes are control bytes, the first at byte ${first})`,
    advice: NOT_TABULAR,
  };
}

/**
 * JSON (or JSON Lines): the text opens with `{` or `[` and the whole sample
 * reads as JSON — complete values when the sample is the whole file
 * (`complete`), else a valid beginning of one.
 */
export function sniffJson(sample: Buffer, complete: boolean): FormatFinding | null {
  return looksLikeJson(withoutUtf8Bom(sample), complete)
    ? {
        format: 'JSON',
        advice: 'convert it to CSV (one record per line, a header naming the columns)',
      }
    : null;
}

/**
 * Everything this module recognises, for a head that is the file's start.
 * The text checks (control bytes, JSON) only hold for text this service reads
 * byte-wise: a UTF-16 head (by its BOM, or `textChecks: false` when the job
 * declares UTF-16) gets the signature check alone.
 */
export function sniffFormat(
  head: Buffer,
  complete: boolean,
  { textChecks = true }: { textChecks?: boolean } = {},
): FormatFinding | null {
  const signature = sniffSignature(head);
  if (signature) return signature;
  if (!textChecks || isGzipHead(head) || isUtf16Bom(head)) return null;
  return sniffBinary(head) ?? sniffJson(head, complete);
}

const isGzipHead = (head: Buffer) => head[0] === 0x1f && head[1] === 0x8b;
const isUtf16Bom = (head: Buffer) =>
  (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);

function withoutUtf8Bom(b: Buffer): Buffer {
  return b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
}

const isSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

function trimStart(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length && isSpace(b[i])) i++;
  return b.subarray(i);
}

type JsonState =
  'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';

const LITERALS = ['true', 'false', 'null'].map((w) => Buffer.from(w));
const NUMBER_BYTE = /[-+.eE0-9]/;

/** A small JSON tokenizer that accepts a truncated text (the sample's end is no error). */
function looksLikeJson(b: Buffer, complete: boolean): boolean {
  let i = 0;
  while (i < b.length && isSpace(b[i])) i++;
  if (b[i] !== 0x7b && b[i] !== 0x5b) return false; // { or [
  const stack: number[] = [];
  let state: JsonState = 'value';
  const afterValue = (): JsonState => (stack.length === 0 ? 'end' : 'comma-or-close');
  while (i < b.length) {
    const c = b[i] as number;
    if (isSpace(c)) {
      i++;
      continue;
    }
    switch (state) {
      case 'end': // JSON Lines: another value may follow
      case 'value':
      case 'value-or-close':
        if (c === 0x5d && state === 'value-or-close') {
          stack.pop();
          state = afterValue();
          i++;
        } else if (c === 0x7b || c === 0x5b) {
          stack.push(c);
          state = c === 0x7b ? 'key-or-close' : 'value-or-close';
          i++;
        } else if (state === 'end') {
          return false;
        } else if (c === 0x22) {
          i = skipString(b, i);
          if (i < 0) return false;
          state = afterValue();
        } else if (NUMBER_BYTE.test(String.fromCharCode(c))) {
          while (i < b.length && NUMBER_BYTE.test(String.fromCharCode(b[i] as number))) i++;
          state = afterValue();
        } else {
          const literal = LITERALS.find((w) => w[0] === c);
          if (!literal) return false;
          const part = b.subarray(i, i + literal.length);
          if (!literal.subarray(0, part.length).equals(part)) return false;
          i += literal.length;
          state = afterValue();
        }
        break;
      case 'key':
      case 'key-or-close':
        if (c === 0x7d && state === 'key-or-close') {
          stack.pop();
          state = afterValue();
          i++;
        } else if (c === 0x22) {
          i = skipString(b, i);
          if (i < 0) return false;
          state = 'colon';
        } else return false;
        break;
      case 'colon':
        if (c !== 0x3a) return false;
        state = 'value';
        i++;
        break;
      case 'comma-or-close': {
        const top = stack[stack.length - 1];
        if (c === 0x2c) state = top === 0x7b ? 'key' : 'value';
        else if ((c === 0x7d && top === 0x7b) || (c === 0x5d && top === 0x5b)) {
          stack.pop();
          state = afterValue();
        } else return false;
        i++;
        break;
      }
    }
  }
  return complete ? state === 'end' : true;
}

/** Index after the string opened at `start`; the sample's end inside it is fine; -1 if not JSON. */
function skipString(b: Buffer, start: number): number {
  for (let i = start + 1; i < b.length; i++) {
    const c = b[i] as number;
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
    else if (c < 0x20) return -1; // raw control characters (a line break) are not JSON
  }
  return b.length;
}
