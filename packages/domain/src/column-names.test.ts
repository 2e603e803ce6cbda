import { tableNameFromFileName, toColumnNames } from './column-names';

describe('toColumnNames', () => {
  it.each<[string[], string[]]>([
    [
      ['id', 'First Name', 'e-mail'],
      ['id', 'first_name', 'e_mail'],
    ],
    [
      ['Name', 'name', 'NAME'],
      ['name', 'name_2', 'name_3'],
    ],
    [
      ['', '  ', '2024'],
      ['column_1', 'column_2', 'c_2024'],
    ],
    [['Crème Brûlée'], ['creme_brulee']],
    [
      ['userId', 'HTTPStatus'],
      ['user_id', 'httpstatus'],
    ],
    [
      ['select', 'a"; DROP TABLE x; --'],
      ['select', 'a_drop_table_x'],
    ],
  ])('%j → %j', (header, expected) => {
    expect(toColumnNames(header)).toEqual(expected);
  });

  it('keeps names within the identifier limit', () => {
    const [name] = toColumnNames(['x'.repeat(200)]);
    expect(name?.length).toBeLessThanOrEqual(63);
  });
});

describe('tableNameFromFileName', () => {
  it.each<[string | null, string]>([
    ['people.csv', 'people'],
    ['Sales Report 2024.csv.gz', 'sales_report_2024'],
    ['/tmp/x/orders.CSV', 'orders'],
    ['', 'upload'],
    [null, 'upload'],
    ['2024.csv', 'c_2024'],
  ])('%j → %s', (file, expected) => {
    expect(tableNameFromFileName(file)).toBe(expected);
  });
});
