import { z } from 'zod';

export const dialectSchema = z.object({
  /** Field separator, one byte. */
  delimiter: z.string().length(1),
  /** Quote character, one byte. */
  quote: z.string().length(1),
  /** Whether the first record names the columns. */
  header: z.boolean(),
});

export type Dialect = z.infer<typeof dialectSchema>;

export const DEFAULT_DIALECT: Dialect = { delimiter: ',', quote: '"', header: true };
