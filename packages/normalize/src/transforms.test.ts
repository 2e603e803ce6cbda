import { compilePipeline, compileReplace } from './transforms';
import { DEFAULT_NULL_TOKENS, type Transform } from './table-schema';

const run = (transforms: Transform[] | undefined, raw: string, nullTokens = DEFAULT_NULL_TOKENS) =>
  compilePipeline(transforms, nullTokens)(raw);

describe('default transforms (trim, null tokens)', () => {
  it.each([
    ['abc', 'abc'],
    ['  abc  ', 'abc'],
    ['\tabc\r\n', 'abc'],
    ['\u00a0abc\u00a0', 'abc'], // no-break space
    ['\u2003abc\u2002', 'abc'], // em / en space
    ['\u3000abc\u3000', 'abc'], // ideographic space
    ['\ufeffabc', 'abc'], // BOM
    ['\u200babc', '\u200babc'], // zero-width space is not whitespace
    ['a  b', 'a  b'], // inner whitespace kept
    ['', null],
    ['   ', null],
    ['NULL', null],
    ['null', null],
    ['N/A', null],
    ['NA', null],
    ['-', null],
    [' N/A ', null],
    ['Null', 'Null'], // tokens match exactly
    ['n/a', 'n/a'],
    ['--', '--'],
    ['none', 'none'],
  ])('%j → %j', (raw, expected) => {
    expect(run(undefined, raw)).toBe(expected);
  });

  it('uses the configured null tokens', () => {
    expect(run(undefined, 'NA', ['', '\\N'])).toBe('NA');
    expect(run(undefined, '\\N', ['', '\\N'])).toBeNull();
  });
});

describe('declared transforms', () => {
  it.each<[string, Transform[], string, string | null]>([
    ['collapse', [{ type: 'collapse_whitespace' }], ' a \u00a0 b\t\tc ', 'a b c'],
    ['upper', [{ type: 'upper' }], 'straße', 'STRASSE'],
    ['lower', [{ type: 'lower' }], 'ÄBC', 'äbc'],
    ['title', [{ type: 'title' }], "jean-luc o'neil", "Jean-Luc O'neil"],
    ['title of shouting', [{ type: 'title' }], 'ÉMILE ZOLA', 'Émile Zola'],
    [
      'replace is global',
      [{ type: 'replace', pattern: '[()\\s-]', replacement: '' }],
      '(555) 123-4567',
      '5551234567',
    ],
    [
      'replace with groups',
      [{ type: 'replace', pattern: '^(\\d+)/(\\d+)$', replacement: '$2-$1' }],
      '3/7',
      '7-3',
    ],
    [
      'replace flags',
      [{ type: 'replace', pattern: '\\s*usd', replacement: '', flags: 'i' }],
      '12 USD',
      '12',
    ],
    [
      'replace to empty becomes null',
      [{ type: 'replace', pattern: '^n\\.a\\.$', replacement: '' }],
      'n.a.',
      null,
    ],
    ['default fills null', [{ type: 'default', value: 'unknown' }], '', 'unknown'],
    ['default fills null tokens too', [{ type: 'default', value: 'unknown' }], 'N/A', 'unknown'],
    ['default keeps values', [{ type: 'default', value: 'unknown' }], 'x', 'x'],
    ['trim turned off', [{ type: 'trim', enabled: false }], ' a ', ' a '],
    ['null tokens turned off', [{ type: 'null_tokens', enabled: false }], '', ''],
    ['own null tokens', [{ type: 'null_tokens', tokens: ['?'] }], '?', null],
    ['own null tokens replace the defaults', [{ type: 'null_tokens', tokens: ['?'] }], 'NA', 'NA'],
    [
      'order matters: upper before null tokens',
      [{ type: 'upper' }, { type: 'null_tokens' }],
      'null',
      null,
    ],
    [
      'order matters: null tokens before upper',
      [{ type: 'null_tokens' }, { type: 'upper' }],
      'n/a',
      'N/A',
    ],
    [
      'explicit trim position',
      [{ type: 'replace', pattern: 'x', replacement: ' ' }, { type: 'trim' }],
      'xax',
      'a',
    ],
  ])('%s', (_name, transforms, raw, expected) => {
    expect(run(transforms, raw)).toBe(expected);
  });
});

describe('replace runs in linear time (RE2)', () => {
  it('a catastrophic-backtracking pattern ends at once on a long cell', () => {
    const pipeline = compilePipeline(
      [{ type: 'replace', pattern: '(a+)+$', replacement: 'x' }],
      [],
    );
    const cell = `${'a'.repeat(5000)}!`;
    const started = performance.now();
    expect(pipeline(cell)).toBe(cell);
    expect(pipeline('aaaa')).toBe('x');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each([
    ['a backreference', '(a)\\1'],
    ['a lookahead', 'a(?=b)'],
  ])('refuses %s, naming the RE2 syntax', (_name, pattern) => {
    expect(() => compileReplace(pattern, undefined)).toThrow(/RE2 syntax/);
  });

  it.each([
    ['$1 $2', '^(\\d+)/(\\d+)$', '12/34', '$2-$1', '34-12'],
    ['$&', 'b', 'abc', '[$&]', 'a[b]c'],
    ['$$', 'b', 'abc', '$$', 'a$c'],
    ['named group', '(?<y>\\d{4})', 'in 2024', '<$<y>>', 'in <2024>'],
    ['i flag', 'USD', 'usd 5', '', ' 5'],
    ['empty matches', 'x*', 'ab', '-', '-a-b-'],
  ])('expands the replacement as String#replace: %s', (_n, pattern, input, replacement, out) => {
    const flags = _n === 'i flag' ? 'i' : undefined;
    expect(compileReplace(pattern, flags, replacement)(input)).toBe(out);
    expect(input.replace(new RegExp(pattern, `g${flags ?? ''}`), replacement)).toBe(out);
  });
});
