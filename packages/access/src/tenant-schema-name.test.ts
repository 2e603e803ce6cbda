import { defaultSchemaName, SCHEMA_NAME, schemaNameProblem } from './tenant-schema-name';

describe('defaultSchemaName', () => {
  it.each([
    ['acme', 't_acme'],
    ['dev', 't_dev'],
    ['a1_b2', 't_a1_b2'],
  ])('names tenant %s %s', (tenant, schema) => {
    expect(defaultSchemaName(tenant)).toBe(schema);
  });

  it('makes legacy names plain, distinct and short enough', () => {
    const names = ['Acme Corp', 'acme-corp', 'acme_corp!', 'x'.repeat(200), ''].map(
      defaultSchemaName,
    );
    for (const name of names) {
      expect(name).toMatch(SCHEMA_NAME);
      expect(schemaNameProblem(name)).toBeNull();
    }
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toMatch(/^t_acme_corp_[0-9a-f]{8}$/);
  });
});

describe('schemaNameProblem', () => {
  it.each(['public', 'analytics', 'Reporting_2', '_x'])('accepts %s', (name) => {
    expect(schemaNameProblem(name)).toBeNull();
  });

  it.each([
    ['', /not a valid schema name/],
    ['1abc', /not a valid schema name/],
    ['a-b', /not a valid schema name/],
    ['a"; drop', /not a valid schema name/],
    ['x'.repeat(64), /not a valid schema name/],
    ['ingest', /reserved/],
    ['ingest_work', /reserved/],
    ['pg_catalog', /reserved/],
    ['information_schema', /reserved/],
  ])('refuses %j', (name, problem) => {
    expect(schemaNameProblem(name)).toMatch(problem);
  });
});
