import type { Encoding } from '@ingest/contracts';
import { isUtf8 } from 'node:buffer';
import { incompleteTail } from './utf8-validator';

export interface DetectedEncoding {
  encoding: Encoding;
  /** Length in bytes of the byte order mark at the head (0 when none). */
  bom: number;
  /** How it was decided: a BOM, every sample being valid UTF-8, or neither (a guess). */
  confidence: 'bom' | 'valid-utf8' | 'fallback';
}

const BOMS: ReadonlyArray<{ bytes: readonly number[]; encoding: Encoding }> = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
];

/**
 * Decides a file's encoding from its head (which starts at byte 0) and samples
 * cut from anywhere. A BOM wins; otherwise valid UTF-8 everywhere means UTF-8
 * (ASCII included), and anything else is read as windows-1252, which maps every
 * byte to a character, so no input is unreadable. UTF-16 without a BOM is not
 * guessed.
 */
export function detectEncoding(head: Buffer, samples: Buffer[]): DetectedEncoding {
  for (const { bytes, encoding } of BOMS) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) {
      return { encoding, bom: bytes.length, confidence: 'bom' };
    }
  }
  const valid = isUtf8Sample(head, false) && samples.every((s) => isUtf8Sample(s, true));
  return valid
    ? { encoding: 'utf-8', bom: 0, confidence: 'valid-utf8' }
    : { encoding: 'windows-1252', bom: 0, confidence: 'fallback' };
}

/**
 * Valid UTF-8 apart from a character cut in two at the sample's end, or at its
 * start when the sample was cut from the middle of the file (`cutStart`).
 */
function isUtf8Sample(sample: Buffer, cutStart: boolean): boolean {
  let from = 0;
  // At most 3 continuation bytes can be left over from a character that began before the cut.
  while (cutStart && from < 3 && ((sample[from] ?? 0) & 0xc0) === 0x80) from++;
  const body = sample.subarray(from);
  return isUtf8(body.subarray(0, body.length - incompleteTail(body)));
}

/** First two bytes of every gzip member (RFC 1952). */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

export interface Utf8Transcoder {
  /** UTF-8 bytes for the characters completed by this piece; a split character waits for the next. */
  push(piece: Buffer): Buffer;
  /** The rest: an unfinished character at the end becomes U+FFFD. */
  end(): Buffer;
}

/**
 * Streaming re-encoding to UTF-8. A leading BOM is dropped, and bytes that are
 * invalid in `encoding` become U+FFFD instead of failing the file: a bad byte
 * costs one character, never the job. State lives in the decoder, so a
 * character split between pieces (including UTF-16 surrogate pairs) survives.
 */
export function createUtf8Transcoder(encoding: Encoding): Utf8Transcoder {
  const decoder = new TextDecoder(encoding, { fatal: false });
  return {
    push: (piece) => Buffer.from(decoder.decode(piece, { stream: true }), 'utf8'),
    end: () => Buffer.from(decoder.decode(), 'utf8'),
  };
}
