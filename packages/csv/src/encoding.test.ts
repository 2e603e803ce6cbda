import type { Encoding } from '@ingest/contracts';
import { createUtf8Transcoder, detectEncoding, isGzip, type DetectedEncoding } from './encoding';

const b = (...parts: Array<string | number[] | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

const utf16be = (text: string): Buffer => Buffer.from(text, 'utf16le').swap16();

describe('detectEncoding', () => {
  const bom = (encoding: Encoding, length: number): DetectedEncoding => ({
    encoding,
    bom: length,
    confidence: 'bom',
  });
  const utf8: DetectedEncoding = { encoding: 'utf-8', bom: 0, confidence: 'valid-utf8' };
  const fallback: DetectedEncoding = { encoding: 'windows-1252', bom: 0, confidence: 'fallback' };

  it.each<[name: string, head: Buffer, samples: Buffer[], expected: DetectedEncoding]>([
    ['UTF-8 BOM', b([0xef, 0xbb, 0xbf], 'a,b\n'), [], bom('utf-8', 3)],
    ['UTF-8 BOM wins over invalid samples', b([0xef, 0xbb, 0xbf]), [b([0xff])], bom('utf-8', 3)],
    ['UTF-16LE BOM', b([0xff, 0xfe], Buffer.from('a,b', 'utf16le')), [], bom('utf-16le', 2)],
    ['UTF-16BE BOM', b([0xfe, 0xff], utf16be('a,b')), [], bom('utf-16be', 2)],
    ['ASCII', b('id,name\n1,x\n'), [b('2,y\n')], utf8],
    ['multi-byte UTF-8', b('é€😀中\n'), [b('ß\n')], utf8],
    ['empty', b(), [], utf8],
    ['half a UTF-8 BOM is no BOM', b([0xef, 0xbb]), [], utf8],
    ['a character cut at the end of the head', b('a,', [0xf0, 0x9f, 0x98]), [], utf8],
    [
      'characters cut at both ends of a sample',
      b('a\n'),
      [b([0x98, 0x80], 'x\n', [0xe2, 0x82])],
      utf8,
    ],
    ['a latin1 é in the head', b('caf', [0xe9], ',x\n'), [], fallback],
    ['a windows-1252 € in a later sample', b('a\n'), [b('x\n', [0x80], '5\n')], fallback],
    ['a continuation byte at byte 0 of the head', b([0x80], 'a\n'), [], fallback],
    [
      'four continuation bytes at a sample start',
      b('a\n'),
      [b([0x80, 0x80, 0x80, 0x80])],
      fallback,
    ],
    ['a lead byte followed by ASCII mid-sample', b('a\n'), [b('x', [0xe2], ',y\n')], fallback],
  ])('%s', (_name, head, samples, expected) => {
    expect(detectEncoding(head, samples)).toEqual(expected);
  });
});

describe('isGzip', () => {
  it.each<[hex: number[], expected: boolean]>([
    [[0x1f, 0x8b, 0x08, 0x00], true],
    [[0x1f, 0x8b], true],
    [[0x1f], false],
    [[], false],
    [[0x8b, 0x1f], false],
    [[...Buffer.from('id,name')], false],
  ])('%j -> %s', (hex, expected) => {
    expect(isGzip(Buffer.from(hex))).toBe(expected);
  });
});

describe('createUtf8Transcoder', () => {
  const text = 'id;naïve café\r\n€5;"😀 ’x’"\n';
  const windows1252 = b(
    'id;na',
    [0xef],
    've caf',
    [0xe9],
    '\r\n',
    [0x80],
    '5;"? ',
    [0x92],
    'x',
    [0x92],
    '"\n',
  );

  it.each<[encoding: Encoding, input: Buffer, expected: string]>([
    ['utf-8', Buffer.from(text), text],
    ['utf-8', b([0xef, 0xbb, 0xbf], text), text], // the BOM is dropped
    ['utf-16le', Buffer.from(text, 'utf16le'), text],
    ['utf-16le', b([0xff, 0xfe], Buffer.from(text, 'utf16le')), text],
    ['utf-16be', b([0xfe, 0xff], utf16be(text)), text],
    ['windows-1252', windows1252, text.replace('😀', '?')],
    ['utf-8', b('a', [0xff], 'b'), 'a\ufffdb'],
    ['utf-8', b('a', [0xe2, 0x82]), 'a\ufffd'], // unfinished at the end
    ['utf-16le', b(Buffer.from('ab', 'utf16le'), [0x63]), 'ab\ufffd'], // odd byte count
  ])('%s %#: the same output at every two-piece split', (encoding, input, expected) => {
    for (let cut = 0; cut <= input.length; cut++) {
      const t = createUtf8Transcoder(encoding);
      const out = Buffer.concat([
        t.push(input.subarray(0, cut)),
        t.push(input.subarray(cut)),
        t.end(),
      ]);
      expect(out.toString('utf8')).toBe(expected);
    }
  });

  it('keeps a UTF-16 surrogate pair fed one byte at a time', () => {
    const t = createUtf8Transcoder('utf-16le');
    const input = Buffer.from('😀x', 'utf16le');
    const out = [...input].map((byte) => t.push(Buffer.from([byte])));
    out.push(t.end());
    expect(Buffer.concat(out).toString()).toBe('😀x');
    expect(out.slice(0, 3).every((piece) => piece.length === 0)).toBe(true);
  });
});
