import { AppError } from '@ingest/errors';
import { formatPath, parseTableSchema } from './parse-table-schema';

const error = (input: unknown): string => {
  try {
    parseTableSchema(input);
  } catch (e) {
    if (e instanceof AppError && e.code === 'SCHEMA_INVALID' && e.httpStatus === 400)
      return e.message;
    throw e;
  }
  throw new Error('expected SCHEMA_INVALID');
};

const col = (extra: object = {}) => ({ name: 'a', type: 'text', ...extra });

describe('parseTableSchema', () => {
  it('accepts a full schema and returns it (bare transform names become objects)', () => {
    const input = {
      table: 'people',
      columns: [
        { name: 'id', type: 'bigint', required: true },
        {
          name: 'name',
          source: 'Full Name',
          type: 'text',
          transforms: ['trim', 'collapse_whitespace', 'title'],
        },
        { name: 'amount', type: 'numeric', precision: 12, scale: 2, format: 'de' },
        { name: 'status', type: 'enum', values: { active: 'A', inactive: 'I' }, default: 'A' },
        { name: 'seen', type: 'timestamptz', format: 'DD.MM.YYYY HH:mm' },
        { name: 'doc', type: 'json', nullable: true },
      ],
      key: ['id'],
      mode: 'upsert',
      max_rejects: '2.5%',
      null_tokens: ['', '\\N'],
      locale: 'en',
      timezone: 'Europe/Berlin',
    };
    const schema = parseTableSchema(input);
    expect(schema.columns[1]?.transforms).toEqual([
      { type: 'trim' },
      { type: 'collapse_whitespace' },
      { type: 'title' },
    ]);
    expect(schema.key).toEqual(['id']);
    // Stored and parsed again, it is the same schema.
    expect(parseTableSchema(JSON.parse(JSON.stringify(schema)))).toEqual(schema);
  });

  it('reads JSON text (a form field)', () => {
    expect(parseTableSchema('{"columns":[{"name":"a","type":"text"}]}').columns).toHaveLength(1);
    expect(error('{"columns":')).toMatch(/^schema: not valid JSON/);
  });

  it.each<[string, unknown, string | RegExp]>([
    ['not an object', 42, 'schema: Invalid input: expected object, received number'],
    ['no columns', {}, 'columns: Invalid input: expected array, received undefined'],
    ['empty columns', { columns: [] }, /^columns: Too small/],
    [
      'unknown type',
      { columns: [col(), col({ name: 'b' }), col({ name: 'c', type: 'txt' })] },
      /^columns\[2\]\.type: Invalid option: expected one of "text"\|"integer"/,
    ],
    [
      'unknown key (typo)',
      { columns: [col({ nulable: false })] },
      'columns[0]: Unrecognized key: "nulable"',
    ],
    [
      'unknown top-level key',
      { columns: [col()], tabel: 'x' },
      'schema: Unrecognized key: "tabel"',
    ],
    [
      'unknown transform',
      { columns: [col({ transforms: ['trim', 'uper'] })] },
      /^columns\[0\]\.transforms\[1\]\.type: Invalid discriminator value/,
    ],
    [
      'replace without pattern',
      { columns: [col({ transforms: [{ type: 'replace' }] })] },
      /^columns\[0\]\.transforms\[0\]\.pattern: Invalid input: expected string/,
    ],
    [
      'bad max_rejects',
      { columns: [col()], max_rejects: '5 percent' },
      /^max_rejects: expected a count/,
    ],
    [
      'negative max_rejects',
      { columns: [col()], max_rejects: -1 },
      /^max_rejects: expected a count/,
    ],
    [
      'max_rejects over 100%',
      { columns: [col()], max_rejects: '101%' },
      /^max_rejects: expected a count/,
    ],
    [
      'max_rejects of another type',
      { columns: [col()], max_rejects: true },
      /^max_rejects: expected a count/,
    ],
    [
      'fractional max_rejects',
      { columns: [col()], max_rejects: 2.5 },
      /^max_rejects: expected a count/,
    ],
    ['bad mode', { columns: [col()], mode: 'merge' }, /^mode: Invalid option/],
    [
      'precision too big',
      { columns: [col({ type: 'numeric', precision: 1001 })] },
      /^columns\[0\]\.precision: Too big/,
    ],
    [
      'fractional precision',
      { columns: [col({ type: 'numeric', precision: 1.5 })] },
      /^columns\[0\]\.precision: Invalid input: expected int/,
    ],
    [
      'duplicate names',
      { columns: [col(), col({ name: 'b' }), col({ name: 'A' })] },
      'columns[2].name: "A" repeats columns[0].name',
    ],
    [
      'unsafe name',
      { columns: [col({ name: 'a"; drop table x; --' })] },
      /^columns\[0\]\.name: "a\\"; drop table x; --" must start with a letter or underscore/,
    ],
    [
      'name starting with a digit',
      { columns: [col({ name: '1st' })] },
      /^columns\[0\]\.name: "1st" must start with a letter/,
    ],
    [
      'name over 63 bytes',
      { columns: [col({ name: 'é'.repeat(32) })] },
      /^columns\[0\]\.name: "é+" is 64 bytes long; PostgreSQL identifiers hold at most 63$/,
    ],
    [
      'system column name',
      { columns: [col({ name: 'xmin' })] },
      'columns[0].name: "xmin" is a PostgreSQL system column name',
    ],
    [
      'bad table name',
      { table: 'my table', columns: [col()] },
      /^table: "my table" must start with a letter/,
    ],
    ['key not a column', { columns: [col()], key: ['a', 'b'] }, 'key[1]: "b" is not a column'],
    ['key listed twice', { columns: [col()], key: ['a', 'a'] }, 'key[1]: "a" is listed twice'],
    [
      'nullable key',
      { columns: [col({ nullable: true })], key: ['a'] },
      'key[0]: key column "a" cannot be nullable',
    ],
    ['upsert without key', { columns: [col()], mode: 'upsert' }, 'key: mode "upsert" needs a key'],
    [
      'required and nullable',
      { columns: [col({ required: true, nullable: true })] },
      'columns[0].nullable: a required column cannot be nullable',
    ],
    [
      'enum without values',
      { columns: [col({ type: 'enum' })] },
      'columns[0].values: an enum needs at least one value',
    ],
    [
      'enum variants clash',
      { columns: [col({ type: 'enum', values: { yes: 'Y', YES: 'N' } })] },
      /^columns\[0\]\.values: "YES" maps to both "Y" and "N"/,
    ],
    [
      'scale over precision',
      { columns: [col({ type: 'numeric', precision: 4, scale: 5 })] },
      'columns[0].scale: scale 5 exceeds precision 4',
    ],
    [
      'regex does not compile',
      { columns: [col({ transforms: ['trim', { type: 'replace', pattern: '[a-' }] })] },
      /^columns\[0\]\.transforms\[1\]\.pattern: error parsing regexp: missing closing \]/,
    ],
    [
      'bad date format',
      { columns: [col({ type: 'date', format: 'DD/MM' })] },
      'columns[0].format: "DD/MM": needs a year (YYYY or YY)',
    ],
    [
      'format on text',
      { columns: [col({ format: 'upper' })] },
      'columns[0].format: type text takes no format',
    ],
    [
      'bad locale',
      { columns: [col()], locale: 'qq-QQ-x-nope' },
      /^locale: "qq-QQ-x-nope" is not a locale/,
    ],
    [
      'bad time zone',
      { columns: [col()], timezone: 'Mars/Base' },
      /^timezone: "Mars\/Base" is not an IANA time zone/,
    ],
    [
      'default that does not fit',
      { columns: [col({ type: 'date', default: '31.02.2024', format: 'DD.MM.YYYY' })] },
      /^columns\[0\]\.default: "31\.02\.2024" is not a date: no such day/,
    ],
  ])('%s', (_name, input, expected) => {
    const message = error(input);
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  it('reports every problem, each with its path', () => {
    const message = error({
      columns: [col({ type: 'txt' }), col({ name: 'b', type: 'integer', precision: 'x' })],
    });
    expect(message.split('; ')).toEqual([
      expect.stringMatching(/^columns\[0\]\.type: /),
      expect.stringMatching(/^columns\[1\]\.precision: /),
    ]);
  });

  it('caps a long list of problems', () => {
    const columns = Array.from({ length: 15 }, (_v, i) => ({ name: `c${i}`, type: 'nope' }));
    expect(error({ columns })).toMatch(/; and 5 more$/);
  });
});

describe('formatPath', () => {
  it.each([
    [['columns', 2, 'type'], 'columns[2].type'],
    [['columns', 0, 'transforms', 1, 'pattern'], 'columns[0].transforms[1].pattern'],
    [['key', 0], 'key[0]'],
    [[], 'schema'],
  ])('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});
