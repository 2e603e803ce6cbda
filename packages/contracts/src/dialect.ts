import { z } from 'zod';

export const ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export const DELIMITERS = [',', ';', '\t', '|'] as const;

export const dialectSchema = z.object({
  /** Field separator, one byte. */
  delimiter: z.string().length(1),
  /** Quote character, one byte. */
  quote: z.string().length(1),
  /** Whether the first record names the columns. */
  header: z.boolean(),
  /** Record terminator seen in the samples (all three are accepted while parsing). */
  line_ending: z.enum(['\n', '\r\n', '\r']).optional(),
  /** Encoding of the uploaded bytes; loaders always receive UTF-8. */
  encoding: z.enum(ENCODINGS).optional(),
  /** Compression of the uploaded bytes; loaders always receive plain CSV. */
  compression: z.enum(['none', 'gzip']).optional(),
});

export type Dialect = z.infer<typeof dialectSchema>;

export const DEFAULT_DIALECT: Dialect = { delimiter: ',', quote: '"', header: true };

/** What a client may force instead of sniffing (query parameters of POST/PUT /v1/jobs). */
export const dialectOverridesSchema = z.object({
  delimiter: z.string().length(1).optional(),
  quote: z.string().length(1).optional(),
  header: z.boolean().optional(),
  encoding: z.enum(ENCODINGS).optional(),
});

export type DialectOverrides = z.infer<typeof dialectOverridesSchema>;
