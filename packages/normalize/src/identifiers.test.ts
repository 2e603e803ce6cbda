import { identifierProblem, tableNameFromFileName, toIdentifiers } from './identifiers';

describe('toIdentifiers', () => {
  it.each([
    [
      ['Id', 'First Name', 'lastName', 'E-Mail'],
      ['id', 'first_name', 'last_name', 'e_mail'],
    ],
    [
      ['Café Owner', 'Größe', 'naïve', 'Łódź', 'Ærø'],
      ['cafe_owner', 'grosse', 'naive', 'lodz', 'aero'],
    ],
    [
      ['', ' ', '名前'],
      ['column_1', 'column_2', 'column_3'],
    ],
    [
      ['2024 total', '1'],
      ['c_2024_total', 'c_1'],
    ],
    [
      ['select', 'User', 'order', 'from'],
      ['select_', 'user_', 'order_', 'from_'],
    ],
    [
      ['xmin', 'ctid', 'oid'],
      ['xmin_', 'ctid_', 'oid_'],
    ],
    [
      ['id', 'id', 'ID'],
      ['id', 'id_2', 'id_3'],
    ],
    [
      ['id', 'id', 'id_2'],
      ['id', 'id_3', 'id_2'],
    ], // a literal id_2 keeps its name
    [
      ['order', 'Order'],
      ['order_', 'order_2'],
    ],
    [['a"; DROP TABLE x; --'], ['a_drop_table_x']],
  ])('%j → %j', (header, expected) => {
    expect(toIdentifiers(header)).toEqual(expected);
  });

  it('keeps long names within 63 bytes, unique', () => {
    const long = 'x'.repeat(100);
    const names = toIdentifiers([long, long]);
    expect(names[0]).toHaveLength(55);
    expect(names[1]).toBe(`${'x'.repeat(55)}_2`);
    expect(new Set(names).size).toBe(2);
  });

  it('always produces names that pass the declared-name rules', () => {
    const header = ['select', '', '1x', 'a b', 'xmin', 'é'.repeat(80), '--', 'id', 'ID'];
    for (const name of toIdentifiers(header)) expect(identifierProblem(name)).toBeNull();
  });
});

describe('identifierProblem', () => {
  it.each([
    ['customer_name', null],
    ['_private', null],
    ['Größe', null],
    ['select', null], // reserved words are fine: identifiers are always quoted
    ['a'.repeat(63), null],
    ['a'.repeat(64), /64 bytes long/],
    ['ä'.repeat(32), /64 bytes long/],
    ['1st', /must start with a letter/],
    ['has space', /must start with a letter/],
    ['semi;colon', /must start with a letter/],
    ['quote"d', /must start with a letter/],
    ['', /must start with a letter/],
    ['XMIN', /system column/],
  ])('%j', (name, expected) => {
    const problem = identifierProblem(name);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
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
    ['select.csv', 'select_'],
  ])('%j → %s', (file, expected) => {
    expect(tableNameFromFileName(file)).toBe(expected);
  });
});
