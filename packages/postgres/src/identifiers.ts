import { errors } from '@ingest/errors';

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Accepts a user-supplied table name or throws INVALID_TABLE_NAME (400). */
export function assertTableName(name: string): string {
  if (!TABLE_NAME.test(name)) throw errors.invalidTableName(name);
  return name;
}

/** Double-quotes an identifier for SQL; every identifier the system emits goes through here. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** `"schema"."table"`: a relation named in its schema, both parts quoted. */
export const qualifiedName = (schema: string, name: string): string =>
  `${quoteIdent(schema)}.${quoteIdent(name)}`;
