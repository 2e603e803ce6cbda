import { cell } from './test-cell';

describe('boolean', () => {
  it.each([
    ['true', 't'],
    ['TRUE', 't'],
    ['True', 't'],
    ['tRuE', 't'],
    ['t', 't'],
    ['T', 't'],
    ['yes', 't'],
    ['YES', 't'],
    ['y', 't'],
    ['Y', 't'],
    ['1', 't'],
    ['on', 't'],
    ['false', 'f'],
    ['FALSE', 'f'],
    ['f', 'f'],
    ['no', 'f'],
    ['No', 'f'],
    ['n', 'f'],
    ['0', 'f'],
    ['off', 'f'],
    ['\u3000yes\u00a0', 't'],
    ['2', '!INVALID_BOOLEAN'],
    ['yes!', '!INVALID_BOOLEAN'],
    ['oui', '!INVALID_BOOLEAN'],
    ['0.0', '!INVALID_BOOLEAN'],
    ['truee', '!INVALID_BOOLEAN'],
    ['', null],
    ['NULL', null],
  ])('%j → %j', (raw, expected) => {
    expect(cell({ type: 'boolean' }, raw)).toBe(expected);
  });

  it('maps other languages through a replace transform', () => {
    const spec = {
      type: 'boolean' as const,
      transforms: [
        { type: 'replace' as const, pattern: '^ja$', replacement: 'true', flags: 'i' },
        { type: 'replace' as const, pattern: '^nein$', replacement: 'false', flags: 'i' },
      ],
    };
    expect(cell(spec, 'Ja')).toBe('t');
    expect(cell(spec, 'NEIN')).toBe('f');
  });
});
