import { errors } from '@ingest/errors';
import { parseTableSchema } from '@ingest/normalize';
import type { JobSchema } from './job-options';

/**
 * The schema a request loads with, as the request reveals it: `?dataset=`
 * (known before the body) or a `schema` form field — one or the other.
 */
export class RequestSchema {
  private fieldTaken = false;

  constructor(private schema: JobSchema | null) {}

  get current(): JobSchema | null {
    return this.schema;
  }

  /**
   * Takes the `schema` field from the form fields read so far, once: a bad
   * schema is a 400 SCHEMA_INVALID naming its path.
   */
  takeField(fields: Record<string, unknown> | undefined): void {
    const raw = fields?.schema;
    if (raw === undefined || this.fieldTaken) return;
    if (this.schema !== null) {
      throw errors.validation('send either a schema field or ?dataset=, not both');
    }
    this.schema = { schema: parseTableSchema(raw), source: 'declared' };
    this.fieldTaken = true;
  }
}
