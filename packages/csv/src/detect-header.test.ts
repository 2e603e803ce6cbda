import { detectHeader } from './detect-header';

const rows = (text: string): string[][] => text.split('\n').map((line) => line.split(','));

describe('detectHeader', () => {
  it.each<[name: string, text: string, header: boolean]>([
    ['names over numbers', 'id,amount\n1,2.5\n2,3', true],
    ['names over dates and booleans', 'day,ok\n2024-01-01,yes\n2024-01-02,no', true],
    ['all numbers', '1,2\n3,4\n5,6', false],
    ['all dates', '2024-01-01,2024-02-01\n2024-01-02,2024-02-02', false],
    ['all text, varied lengths: undecidable, so header', 'foo,bar\nbazz,qux\nalpha,b', true],
    ['all text, fixed lengths equal to the first row: undecidable', 'ab,cd\nef,gh\nij,kl', true],
    ['fixed-length codes under a longer name', 'country,name\nUS,Ann\nDE,Bob', true],
    ['a numeric first cell over a numeric column', '1,abc\n2,def\n3,ghi', false],
    ['a year as a column name is outvoted', 'id,2020\n1,5\n2,6\n3,7', true],
    ['one name vs one number: a tie is a header', '7,name\n1,5\n2,6', true],
    ['empty header cells give no evidence', ',name\n1,5\n2,6', true],
    ['a mostly numeric column (N/A, one stray word)', 'v\n1\n2\n3\n4\n5\n6\n7\n8\n9\nten', true],
    ['a mixed column gives no evidence', 'v\n1\nx\n2\ny', true],
    ['a single all-text row', 'id,name', true],
    ['a single all-numeric row is data', '1,2.5,2024-01-01', false],
    ['a single row mixing names and numbers', 'id,2020', true],
  ])('%s', (_name, text, header) => {
    const [first = [], ...rest] = rows(text);
    expect(detectHeader(first, rest)).toBe(header);
  });
});
