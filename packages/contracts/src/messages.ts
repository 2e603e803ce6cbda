import { z } from 'zod';
import { dialectSchema } from './dialect';

/**
 * The message catalogue: every message on the wire, its queue, and its schema.
 * Consumers parse with these schemas before acting; a message that does not
 * parse is dead-lettered, never half-processed.
 */
export const jobStoredSchema = z.object({
  type: z.literal('job.stored'),
  version: z.literal(1),
  jobId: z.string().uuid(),
});
export type JobStoredMessage = z.infer<typeof jobStoredSchema>;

export const byteRangeSchema = z
  .object({ start: z.number().int().nonnegative(), end: z.number().int().positive() })
  .refine((r) => r.end > r.start, 'byte range must not be empty');
export type ByteRange = z.infer<typeof byteRangeSchema>;

export const LOAD_MODES = ['append', 'upsert', 'replace'] as const;
export type LoadMode = (typeof LOAD_MODES)[number];

/**
 * Where a job's chunks are COPYed, decided once by the splitter:
 * - `direct`: into the target table (append; the fast path);
 * - `merge`: per chunk into a temporary table, then merged into the target by key,
 *   the last occurrence in file order winning across chunks (`claims` remembers
 *   which file position each key holds) — upsert;
 * - `staged`: into a job's staging table, published into the target in one
 *   transaction when the job completes — replace, and any atomic job.
 * How each kind loads lives in @ingest/loading (one LoadStrategy per kind).
 */
export const loadPlanSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direct') }),
  z.object({
    kind: z.literal('merge'),
    claims: z.string().min(1),
    key: z.array(z.string()).min(1),
  }),
  z.object({
    kind: z.literal('staged'),
    stage: z.string().min(1),
    publish: z.enum(LOAD_MODES),
    key: z.array(z.string()).min(1).nullable(),
  }),
]);
export type LoadPlan = z.infer<typeof loadPlanSchema>;

export const chunkTaskSchema = z.object({
  type: z.literal('chunk.load'),
  version: z.literal(1),
  jobId: z.string().uuid(),
  chunkIndex: z.number().int().nonnegative(),
  objectKey: z.string().min(1),
  /** Set when the object is stored as segments `<objectKey>/<n>` of this many bytes. */
  segmentBytes: z.number().int().positive().optional(),
  /** Half-open byte range [start, end) of the stored object; starts and ends on record boundaries. */
  range: byteRangeSchema,
  /** Physical (1-based) line number of the first byte of the range, for reject reports. */
  firstLine: z.number().int().positive(),
  /** Data records the splitter counted in this range (the header excluded). */
  records: z.number().int().nonnegative(),
  /** The range holds bytes that are not valid UTF-8: the loader checks every field. */
  invalidUtf8: z.boolean().default(false),
  dialect: dialectSchema,
  /** The tenant's schema the table lives in (absent in tasks of older splitters: `public`). */
  targetSchema: z.string().min(1).default('public'),
  table: z.string().min(1),
  /** Target columns, in COPY order. */
  columns: z.array(z.string().min(1)).min(1),
  /** The target's actual column types (format_type), in COPY order: they decide the COPY format. */
  columnTypes: z.array(z.string()).optional(),
  /**
   * `schema` (a TableSchema of @ingest/normalize, validated again by the loader) bound to
   * `header` (the file's header cells, or column_1…n): typed coercion per column.
   */
  schemaVersion: z.literal(2),
  schema: z.unknown(),
  header: z.array(z.string()),
  /** The X-Request-Id of the upload, for the loader's log lines. */
  requestId: z.string().max(128).optional(),
  /** Where the rows go (absent in tasks of older splitters: straight into the table). */
  load: loadPlanSchema.default({ kind: 'direct' }),
});
export type ChunkTask = z.infer<typeof chunkTaskSchema>;

export const jobEventSchema = z.object({
  type: z.enum(['job.completed', 'job.failed', 'job.cancelled']),
  version: z.literal(1),
  jobId: z.string().uuid(),
  occurredAt: z.string(),
});
export type JobEvent = z.infer<typeof jobEventSchema>;
export type JobEventType = JobEvent['type'];

/** Queue names, before any per-deployment prefix. */
export const QUEUES = {
  jobs: 'ingest.jobs',
  chunks: 'ingest.chunks',
  events: 'ingest.events',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const MESSAGE_CATALOGUE = {
  'job.stored': { queue: QUEUES.jobs, schema: jobStoredSchema },
  'chunk.load': { queue: QUEUES.chunks, schema: chunkTaskSchema },
  'job.completed': { queue: QUEUES.events, schema: jobEventSchema },
  'job.failed': { queue: QUEUES.events, schema: jobEventSchema },
  'job.cancelled': { queue: QUEUES.events, schema: jobEventSchema },
} as const;
