/**
 * A tenant name: 1 to 48 characters, lowercase letters, digits and `_`,
 * starting with a letter. Plain enough to name things after the tenant (a
 * database schema, a key prefix, a log field) without quoting or escaping, and
 * short enough to leave room for a prefix within PostgreSQL's 63-byte names.
 */
export const TENANT_NAME = /^[a-z][a-z0-9_]{0,47}$/;

export const TENANT_NAME_RULE =
  'a tenant name is 1 to 48 characters: lowercase letters, digits and _, starting with a letter';

/** Why `name` cannot be a tenant name, or null when it can. */
export const tenantNameProblem = (name: string): string | null =>
  TENANT_NAME.test(name) ? null : `"${name}" is not a valid tenant name: ${TENANT_NAME_RULE}`;
