import { createHash } from 'node:crypto';
import { TENANT_NAME } from './tenant-name';

/** A schema an operator may name: a plain identifier PostgreSQL keeps as written (≤ 63 bytes). */
export const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The system's own schemas and PostgreSQL's: never a tenant's. */
const RESERVED = /^(ingest|ingest_work|information_schema|pg_.*)$/i;

/** Why `name` cannot hold a tenant's tables, or null when it can. */
export function schemaNameProblem(name: string): string | null {
  if (!SCHEMA_NAME.test(name)) {
    return `"${name}" is not a valid schema name: 1 to 63 letters, digits and _, not starting with a digit`;
  }
  if (RESERVED.test(name)) return `"${name}" is reserved for the system, not a tenant's tables`;
  return null;
}

/**
 * The schema a tenant gets when no operator chose one: `t_<tenant>`. A tenant
 * name is already plain (TENANT_NAME); a name from before names were checked
 * is lowercased, every other character becomes `_`, and a hash of the real
 * name is appended so two such names never meet in one schema.
 */
export function defaultSchemaName(tenant: string): string {
  if (TENANT_NAME.test(tenant)) return `t_${tenant}`;
  const plain = tenant
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
  const hash = createHash('sha256').update(tenant).digest('hex').slice(0, 8);
  return `t_${plain}_${hash}`;
}
