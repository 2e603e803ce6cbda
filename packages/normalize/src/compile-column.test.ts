import { ColumnSpecError, buildCoercer, compileColumn } from './compile-column';
import { DEFAULT_NULL_TOKENS, type ColumnSpec } from './table-schema';
import { zoneOffsets } from './time-zone';
import { cell } from './test-cell';

const ctx = {
  nullTokens: DEFAULT_NULL_TOKENS,
  locale: undefined,
  zone: zoneOffsets('UTC'),
  isKey: false,
};

describe('empty, null and defaults', () => {
  it.each<[string, Omit<ColumnSpec, 'name'>, string, string | null]>([
    ['empty text is NULL by default', { type: 'text' }, '', null],
    [
      'empty text kept without the empty token',
      { type: 'text', transforms: [{ type: 'null_tokens', tokens: ['NULL'] }] },
      '',
      '',
    ],
    [
      'empty integer is NULL even without tokens',
      { type: 'integer', transforms: [{ type: 'null_tokens', enabled: false }] },
      '',
      null,
    ],
    ['whitespace-only is empty', { type: 'integer' }, ' \u00a0 ', null],
    ['null token in text', { type: 'text' }, 'N/A', null],
    ['default for NULL', { type: 'integer', default: 0 }, 'NULL', '0'],
    ['default is coerced', { type: 'boolean', default: 'yes' }, '', 't'],
    ['default not used for a value', { type: 'integer', default: 0 }, '5', '5'],
    ['default does not hide a bad value', { type: 'integer', default: 0 }, 'x', '!INVALID_INTEGER'],
    ['nullable: false', { type: 'text', nullable: false }, '', '!REQUIRED_VALUE_MISSING'],
    ['required', { type: 'integer', required: true }, 'NA', '!REQUIRED_VALUE_MISSING'],
    ['required with a default', { type: 'integer', required: true, default: '7' }, '', '7'],
    ['required and present', { type: 'integer', required: true }, '3', '3'],
  ])('%s', (_name, spec, raw, expected) => {
    expect(cell(spec, raw)).toBe(expected);
  });

  it('makes key columns NOT NULL', () => {
    expect(cell({ type: 'integer' }, '', { isKey: true })).toBe('!REQUIRED_VALUE_MISSING');
  });

  it('reports a column setting that cannot work with its field', () => {
    const problem = (spec: Omit<ColumnSpec, 'name'>) => {
      try {
        compileColumn({ name: 'c', ...spec }, ctx);
        return null;
      } catch (e) {
        return e instanceof ColumnSpecError ? `${e.field}: ${e.message}` : String(e);
      }
    };
    expect(problem({ type: 'integer', default: 'x' })).toMatch(/^default: "x" is not an integer/);
    expect(problem({ type: 'text', format: 'de' })).toBe('format: type text takes no format');
    expect(problem({ type: 'integer', format: 'xx-nope-123' })).toMatch(
      /^format: "xx-nope-123" is not a locale/,
    );
    expect(problem({ type: 'date', format: 'DD.MM.YYYY HH:mm' })).toMatch(
      /^format: a date format cannot contain a time/,
    );
    expect(problem({ type: 'date', format: 'DD.MM' })).toMatch(/^format: "DD.MM": needs a year/);
    expect(problem({ type: 'numeric', scale: 2 })).toBe('scale: a scale needs a precision');
    expect(problem({ type: 'numeric', precision: 2, scale: 3 })).toBe(
      'scale: scale 3 exceeds precision 2',
    );
    expect(problem({ type: 'integer', precision: 2 })).toBe(
      'precision: only numeric takes precision and scale',
    );
    expect(problem({ type: 'text', values: { a: 'b' } })).toBe('values: only enum takes values');
    expect(problem({ type: 'enum', values: {} })).toBe('values: an enum needs at least one value');
    expect(problem({ type: 'enum' })).toBe('values: an enum needs at least one value');
    expect(problem({ type: 'text', transforms: [{ type: 'replace', pattern: '(' }] })).toMatch(
      /^transforms\[0\].pattern: error parsing regexp: missing closing \)/,
    );
    expect(
      problem({
        type: 'text',
        transforms: [{ type: 'trim' }, { type: 'replace', pattern: 'a', flags: 'y' }],
      }),
    ).toMatch(/^transforms\[1\].flags: "y": only g, i, m, s, u, v/);
    expect(
      problem({ type: 'text', transforms: [{ type: 'replace', pattern: 'a', flags: 'gi' }] }),
    ).toBeNull();
    expect(problem({ type: 'integer', transforms: [{ type: 'default', value: 'none' }] })).toMatch(
      /^transforms\[0\].value: "none" is not an integer/,
    );
    expect(problem({ type: 'integer', transforms: [{ type: 'default', value: '0' }] })).toBeNull();
  });

  it('builds a coercer per type', () => {
    expect(buildCoercer({ name: 'c', type: 'text' }, ctx)('x')).toBe('x');
  });
});
