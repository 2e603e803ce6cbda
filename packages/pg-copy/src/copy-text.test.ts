import { encodeCopyTextRow, escapeCopyText } from './copy-text';

describe('COPY text encoding', () => {
  it.each<[string, string]>([
    ['plain', 'plain'],
    ['tab\there', 'tab\\there'],
    ['line\nbreak', 'line\\nbreak'],
    ['cr\r\nlf', 'cr\\r\\nlf'],
    ['back\\slash', 'back\\\\slash'],
    ['\\N', '\\\\N'],
    ['ünïcødé ✓', 'ünïcødé ✓'],
  ])('escapes %j', (input, expected) => {
    expect(escapeCopyText(input)).toBe(expected);
  });

  it('encodes NULL as \\N and joins with tabs', () => {
    expect(encodeCopyTextRow(['a', null, '', 'b\tc'])).toBe('a\t\\N\t\tb\\tc\n');
  });
});
