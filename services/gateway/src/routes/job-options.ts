import { tableNameFromFileName } from '@ingest/domain';
import { errors } from '@ingest/errors';
import { assertTableName } from '@ingest/postgres';
import type { Request } from 'express';
import { z } from 'zod';
import type { JobOptions } from '../job-intake';

const querySchema = z.object({
  table: z.string().min(1).optional(),
  webhook_url: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
    .optional(),
  chunk_size: z.coerce.number().int().positive().optional(),
});

const firstValue = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

export interface OptionLimits {
  minChunkBytes: number;
}

/** Reads and validates the job's query options; the file name supplies the default table. */
export function parseJobOptions(
  req: Request,
  fileName: string | null,
  limits: OptionLimits,
): JobOptions {
  const raw = Object.fromEntries(
    Object.entries(req.query).map(([k, v]) => [k, firstValue(v)] as const),
  );
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw errors.validation(`query parameter ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const q = parsed.data;
  if (q.chunk_size !== undefined && q.chunk_size < limits.minChunkBytes) {
    throw errors.validation(`chunk_size must be at least ${limits.minChunkBytes} bytes`);
  }
  const key = req.get('Idempotency-Key');
  if (key !== undefined && (key.length === 0 || key.length > 255)) {
    throw errors.validation('Idempotency-Key must be 1 to 255 characters');
  }
  return {
    tenant: 'default',
    table: assertTableName(q.table ?? tableNameFromFileName(fileName)),
    fileName,
    webhookUrl: q.webhook_url ?? null,
    idempotencyKey: key ?? null,
    chunkBytes: q.chunk_size ?? null,
  };
}
