import { cell } from './test-cell';

describe('date without a declared format', () => {
  it.each([
    ['2024-03-27', '2024-03-27'],
    ['2024-02-29', '2024-02-29'], // leap day
    ['2023-02-29', '!INVALID_DATE'],
    ['2000-02-29', '2000-02-29'], // divisible by 400
    ['1900-02-29', '!INVALID_DATE'], // divisible by 100
    ['2024-04-31', '!INVALID_DATE'],
    ['2024-01-31', '2024-01-31'],
    ['2024-13-01', '!INVALID_DATE'],
    ['2024-00-10', '!INVALID_DATE'],
    ['0000-01-01', '!INVALID_DATE'],
    ['0001-01-01', '0001-01-01'],
    ['9999-12-31', '9999-12-31'],
    ['2024-03-27T00:00:00', '2024-03-27'], // spreadsheet midnight
    ['2024-03-27 00:00', '2024-03-27'],
    ['2024-03-27T10:30:00', '!INVALID_DATE'], // the time would be lost
    ['2024-03-27T00:00:00Z', '!INVALID_DATE'],
    ['03/27/2024', '!AMBIGUOUS_DATE'],
    ['27.03.2024', '!AMBIGUOUS_DATE'],
    ['3-4-24', '!AMBIGUOUS_DATE'],
    ['2024/03/27', '!INVALID_DATE'],
    ['March 27', '!INVALID_DATE'],
    ['20240327', '!INVALID_DATE'],
    ['  2024-03-27\u2003', '2024-03-27'],
    ['', null],
    ['N/A', null],
  ])('%j → %j', (raw, expected) => {
    expect(cell({ type: 'date' }, raw)).toBe(expected);
  });
});

describe('date with a declared format', () => {
  it.each([
    ['MM/DD/YYYY', '03/27/2024', '2024-03-27'],
    ['MM/DD/YYYY', '3/7/2024', '2024-03-07'],
    ['MM/DD/YYYY', '02/29/2024', '2024-02-29'],
    ['MM/DD/YYYY', '02/29/2023', '!INVALID_DATE'],
    ['MM/DD/YYYY', '27/03/2024', '!INVALID_DATE'],
    ['MM/DD/YYYY', '2024-03-27', '2024-03-27'], // ISO is always read
    ['MM/DD/YYYY', '03-27-2024', '!INVALID_DATE'],
    ['DD/MM/YYYY', '27/03/2024', '2024-03-27'],
    ['DD/MM/YYYY', '03/27/2024', '!INVALID_DATE'],
    ['DD/MM/YYYY', '31/04/2024', '!INVALID_DATE'],
    ['DD.MM.YYYY', '27.03.2024', '2024-03-27'],
    ['DD.MM.YYYY', '1.2.2024', '2024-02-01'],
    ['YYYY/MM/DD', '2024/03/27', '2024-03-27'],
    ['YYYYMMDD', '20240327', '2024-03-27'],
    ['YYYYMMDD', '2024327', '!INVALID_DATE'],
    ['DD.MM.YY', '27.03.24', '2024-03-27'],
    ['DD.MM.YY', '27.03.68', '2068-03-27'],
    ['DD.MM.YY', '27.03.69', '1969-03-27'],
    ['DD-MMM-YYYY', '27-Mar-2024', '2024-03-27'],
    ['DD-MMM-YYYY', '27-MAR-2024', '2024-03-27'],
    ['MMMM D, YYYY', 'March 7, 2024', '2024-03-07'],
    ["D 'de' MMMM 'de' YYYY", '7 de march de 2024', '2024-03-07'],
  ])('%s: %j → %j', (format, raw, expected) => {
    expect(cell({ type: 'date', format }, raw)).toBe(expected);
  });
});
