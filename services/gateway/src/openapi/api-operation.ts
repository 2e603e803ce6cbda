import type { z } from 'zod';
import * as api from './api-schemas';

/** One answer of an operation: a JSON body of a schema, another media type, or none. */
export interface ApiResponse {
  description: string;
  json?: z.ZodType;
  /** A non-JSON body (`text/csv`, `text/event-stream`), described in words. */
  media?: string;
  headers?: readonly string[];
}

export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch' | 'head' | 'options';
  /** OpenAPI path, parameters in braces. */
  path: string;
  id: string;
  tag: string;
  summary: string;
  /** Needs an API key (every `/v1` route). */
  authenticated: boolean;
  query?: z.ZodObject;
  /** Request headers the operation reads, by name in `HEADERS`. */
  headers?: readonly string[];
  body?:
    | { json: z.ZodType }
    | {
        media:
          'multipart/form-data' | 'application/octet-stream' | 'application/offset+octet-stream';
      };
  responses: Record<number, ApiResponse>;
}

export const error = (description: string): ApiResponse => ({
  description,
  json: api.errorBodySchema,
});
