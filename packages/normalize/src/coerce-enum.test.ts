import { cell } from './test-cell';
import { enumLookup } from './coerce-enum';

const values = { Germany: 'DE', Deutschland: 'DE', 'United States': 'US', USA: 'US', FR: 'FR' };

describe('enum', () => {
  it.each([
    ['Germany', 'DE'],
    ['GERMANY', 'DE'],
    ['deutschland', 'DE'],
    ['DE', 'DE'], // canonical values match themselves
    ['de', 'DE'],
    ['usa', 'US'],
    ['  United States ', 'US'],
    ['United  States', '!INVALID_ENUM'],
    ['fr', 'FR'],
    ['Frankreich', '!INVALID_ENUM'],
    ['', null],
  ])('%j → %j', (raw, expected) => {
    expect(cell({ type: 'enum', values }, raw)).toBe(expected);
  });

  it('collapses inner whitespace when asked to', () => {
    expect(
      cell(
        { type: 'enum', values, transforms: [{ type: 'collapse_whitespace' }] },
        'United   States',
      ),
    ).toBe('US');
  });

  it('refuses variants that differ only in case but map differently', () => {
    expect(() => enumLookup({ a: 'X', A: 'Y' })).toThrow(/maps to both/);
  });
});
