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
