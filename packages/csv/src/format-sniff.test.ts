import { deflateRawSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { sniffBinary, sniffFormat, sniffJson, sniffSignature } from './format-sniff';

const b = (...parts: Array<string | number[] | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p as string))));

/** A ZIP local file header for `name` followed by some deflated bytes. */
function zipEntry(name: string, body = 'x'.repeat(100), stored = false): Buffer {
  // ODF stores its `mimetype` member uncompressed, first, so it can be read from the head.
  const data = stored ? Buffer.from(body) : deflateRawSync(Buffer.from(body));
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(stored ? 0 : 8, 8);
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(body.length, 22);
  header.writeUInt16LE(name.length, 26);
  return b(header, name, data);
}

describe('sniffSignature', () => {
  it.each<[name: string, head: Buffer, format: RegExp]>([
    ['PNG', b([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /PNG image/],
    ['JPEG', b([0xff, 0xd8, 0xff, 0xe0, 0, 16]), /JPEG/],
    ['GIF', b('GIF89a', [1, 0, 1, 0]), /GIF/],
    ['PDF', b('%PDF-1.7\n%\xe2\xe3\n'), /PDF document/],
    [
      'xlsx',
      b(zipEntry('[Content_Types].xml'), zipEntry('_rels/.rels'), zipEntry('xl/workbook.xml')),
      /Excel workbook \(\.xlsx\)/,
    ],
    ['docx', b(zipEntry('[Content_Types].xml'), zipEntry('word/document.xml')), /Word document/],
    [
      'ods',
      b(zipEntry('mimetype', 'application/vnd.oasis.opendocument.spreadsheet', true)),
      /OpenDocument spreadsheet/,
    ],
    ['Office, parts beyond the head', zipEntry('[Content_Types].xml'), /Office document/],
    ['plain ZIP', zipEntry('people.csv'), /ZIP archive/],
    ['7z', b([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), /7-Zip/],
    ['xls', b([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), /legacy Microsoft Office/],
    ['parquet', b('PAR1', [0x15, 0x04, 0x15]), /Parquet/],
    ['SQLite', b('SQLite format 3\0', [0x10, 0]), /SQLite/],
    ['bzip2', b('BZh91AY&SY', [0x12]), /bzip2/],
    ['xz', b([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]), /xz/],
    ['ELF', b([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), /ELF/],
    ['MP4', b([0, 0, 0, 0x20], 'ftypisom'), /MP4/],
    ['XML', b('\ufeff<?xml version="1.0"?>\n<rows/>'), /XML/],
    ['HTML', b('  <!DOCTYPE html>\n<html>'), /HTML/],
    [
      'multipart envelope',
      b(
        '--------------------------d74496d66958873e\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\nid,name\r\n',
      ),
      /multipart\/form-data body/,
    ],
    [
      'multipart, LF only',
      b('--xyz\ncontent-disposition: form-data; name="file"\n\nid\n'),
      /multipart/,
    ],
  ])('%s', (_name, head, format) => {
    expect(sniffSignature(head)?.format).toMatch(format);
  });

  it('tells an .xlsx to export CSV', () => {
    const head = b(zipEntry('[Content_Types].xml'), zipEntry('xl/workbook.xml'));
    expect(sniffSignature(head)?.advice).toMatch(/export the sheet as CSV/);
  });

  it.each<[name: string, head: Buffer]>([
    ['CSV', b('id,name\n1,a\n')],
    ['gzip (unpacked later, then sniffed again)', gzipSync('id,name\n1,a\n')],
    ['a header starting PAR1 as text', b('PAR1,PAR2\n1,2\n')],
    ['a header starting BZh', b('BZh9,x\n1,2\n')],
    ['a CSV whose first cell starts with two dashes', b('--,note\n1,a\n')],
    ['dashes then no part headers', b('--abc\nid,name\n1,a\n')],
    ['a header cell mentioning ftyp', b('ftyp,id\n1,2\n')],
    ['empty', Buffer.alloc(0)],
  ])('finds nothing in %s', (_name, head) => {
    expect(sniffSignature(head)).toBeNull();
  });
});

describe('sniffBinary', () => {
  it('finds random bytes', () => {
    expect(sniffBinary(randomBytes(4096))?.format).toMatch(
      /^binary data \(\d+ of the first 4096 bytes/,
    );
  });

  it('keeps a CSV with a stray NUL (a reject of that record, not a binary file)', () => {
    expect(sniffBinary(b('id,name\n1,a\n2,b\0c\n3,d\n'))).toBeNull();
  });

  it('finds a NUL-padded file', () => {
    expect(sniffBinary(b('id,name\n', Buffer.alloc(200)))).not.toBeNull();
  });

  it('ignores tabs, CR and LF, and bytes above 0x7f (Latin-1, UTF-8)', () => {
    expect(sniffBinary(b('id\tname\r\n1\tZoë\r\n', [0xe9, 0x80, 0xff]))).toBeNull();
  });
});

describe('sniffJson', () => {
  it.each<[name: string, text: string, complete: boolean, json: boolean]>([
    ['an array of objects', '[{"id":1,"name":"a"},{"id":2,"name":"b"}]', true, true],
    ['an object', '{\n  "rows": [1, 2.5e3, -3, true, false, null, "x\\"y"]\n}\n', true, true],
    ['JSON Lines', '{"id":1}\n{"id":2}\n', true, true],
    ['a truncated sample', '[{"id":1,"name":"a long str', false, true],
    ['a truncated literal', '[{"ok":tr', false, true],
    ['an unfinished whole file', '[{"id":1}', true, false],
    ['a CSV whose header starts with {', '{id},name\n1,a\n', false, false],
    ['a CSV whose header starts with [', '[id],[name]\n1,a\n', false, false],
    ['CSV', 'id,name\n1,a\n', false, false],
    ['a quoted field with a line break', '["a\nb"]', true, false],
  ])('%s', (_name, text, complete, json) => {
    expect(sniffJson(Buffer.from(text), complete) !== null).toBe(json);
  });
});

describe('sniffFormat', () => {
  it('takes signatures, binary and JSON in that order', () => {
    expect(sniffFormat(b('%PDF-1.4\n', Buffer.alloc(100)), false)?.format).toBe('a PDF document');
    expect(sniffFormat(randomBytes(1000), false)?.format).toMatch(/binary/);
    expect(sniffFormat(b('[{"a":1}]'), true)?.format).toBe('JSON');
  });

  it('leaves UTF-16 declared by the job (no BOM) to the later steps', () => {
    const utf16 = Buffer.from('id,name\n1,a\n', 'utf16le');
    expect(sniffFormat(utf16, true)?.format).toMatch(/binary/);
    expect(sniffFormat(utf16, true, { textChecks: false })).toBeNull();
  });

  it('leaves UTF-16 (with its BOM) and gzip to the later steps', () => {
    expect(sniffFormat(Buffer.from('\ufeffid,name\n1,a\n', 'utf16le'), true)).toBeNull();
    expect(sniffFormat(gzipSync(randomBytes(1000)), false)).toBeNull();
  });

  it('passes CSV', () => {
    expect(sniffFormat(b('id,name\n1,"a\nb"\n'), true)).toBeNull();
  });
});
