import { errors } from '@ingest/errors';
import type { z } from 'zod';

/** Validates a query or body against `schema`; the first problem becomes a 400 VALIDATION_FAILED. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? ` ${issue.path.join('.')}` : '';
    throw errors.validation(`${what}${path}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * A route's query parameters: one the route does not know is a 400 naming it
 * (a misspelt `limt=` silently ignored would page with the default instead).
 */
export function parseQuery<S extends z.ZodObject>(
  schema: S,
  query: unknown,
  what = 'query parameter',
): z.infer<S> {
  const known = Object.keys(schema.shape);
  const given = typeof query === 'object' && query !== null ? Object.keys(query) : [];
  const unknown = given.filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const names = unknown.map((k) => JSON.stringify(k)).join(', ');
    throw errors.validation(
      `unknown ${what}${unknown.length > 1 ? 's' : ''} ${names}; this route takes ${known.join(', ')}`,
    );
  }
  return parseInput(schema, query, what);
}
