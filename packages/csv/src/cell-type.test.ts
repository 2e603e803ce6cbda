import { cellType, type CellType } from './cell-type';

describe('cellType', () => {
  it.each<[value: string, type: CellType]>([
    ['', 'empty'],
    ['  ', 'empty'],
    ['NULL', 'empty'],
    ['N/A', 'empty'],
    ['\\N', 'empty'],
    ['42', 'number'],
    ['-7', 'number'],
    ['+3.25', 'number'],
    ['1,5', 'number'], // decimal comma
    ['2,75', 'number'],
    ['1,234,567.89', 'number'],
    ['1.234.567,89', 'number'],
    ['.5', 'number'],
    ['6.02e23', 'number'],
    ['$19.99', 'number'],
    ['15%', 'number'],
    [' 12 ', 'number'],
    ['2024-03-27', 'date'],
    ['2024-03-27T10:00:00Z', 'date'],
    ['2024-03-27 10:00:00.123+01:00', 'date'],
    ['03/27/2024', 'date'],
    ['27.03.24', 'date'],
    ['2024/03/27', 'date'],
    ['10:30', 'date'],
    ['true', 'boolean'],
    ['No', 'boolean'],
    ['YES', 'boolean'],
    ['id', 'text'],
    ['amount (€)', 'text'],
    ['Q1 2024', 'text'],
    ['1-2-3-4', 'text'],
    ['1.2.3', 'text'],
    ['y', 'text'],
    ['e5', 'text'],
  ])('%j is %s', (value, type) => {
    expect(cellType(value)).toBe(type);
  });
});
