import { tenantNameProblem } from './tenant-name';

describe('tenantNameProblem', () => {
  it.each(['dev', 'acme', 'tenant_a', 'a', 'team42', 'a'.repeat(48)])('accepts %j', (name) => {
    expect(tenantNameProblem(name)).toBeNull();
  });

  it.each([
    '',
    'Acme',
    '42team',
    '_hidden',
    'with-dash',
    'with space',
    'dot.ted',
    'ünïcode',
    'a'.repeat(49),
    'x;drop',
  ])('refuses %j, saying the rule', (name) => {
    expect(tenantNameProblem(name)).toMatch(
      /lowercase letters, digits and _, starting with a letter/,
    );
  });
});
