import { z } from 'zod';
import { dialectSchema } from './dialect';
import { JOB_STATUSES } from './job-status';
import { LOAD_MODES } from './messages';

const timestamp = z.iso.datetime();
const count = z.number().int().nonnegative();

/** A job's place in the dispatch (see `JobView.queue`). */
export const jobQueueSchema = z.object({
  planned: count,
  dispatched: count,
  in_flight: count,
  waiting: count,
  waiting_since: timestamp.nullable().meta({
    description: 'When the oldest chunk still waiting was recorded; null when none waits.',
  }),
  first_dispatched_at: timestamp.nullable().meta({
    description: "When the job's first chunk was dispatched; null until then.",
  }),
  wait_seconds: z.number().nonnegative().nullable().meta({
    description:
      "The job's wait for its turn: from its first chunk being recorded to that chunk's dispatch (up to now while it still waits); null before any chunk is recorded, or when the job ended without one dispatched.",
  }),
});
export type JobQueue = z.infer<typeof jobQueueSchema>;

/**
 * The public shape of a job, as `GET /v1/jobs/:id` returns it and webhooks carry it.
 * The API description (`GET /openapi.json`) is generated from this schema.
 */
export const jobViewSchema = z
  .object({
    id: z.uuid(),
    tenant: z.string().meta({ description: 'The tenant (API key owner) the job belongs to.' }),
    status: z.enum(JOB_STATUSES),
    table: z.string().meta({
      description:
        "The target table in its tenant's schema: `t_acme.orders` (the schema chosen when the job was created).",
    }),
    file_name: z.string().nullable(),
    webhook_url: z.string().nullable().meta({
      description: "Where the job's own events are POSTed (`?webhook_url=`), if anywhere.",
    }),
    bytes: count.meta({ description: 'Bytes stored (as uploaded).' }),
    bytes_scanned: count.nullable().meta({
      description:
        'Bytes of plain UTF-8 CSV the splitter scanned (after decompression/transcoding).',
    }),
    sha256: z.string().nullable(),
    dialect: dialectSchema.nullable(),
    chunks: z.object({ total: count.nullable(), done: count }),
    records: count.nullable(),
    rows: z.object({ loaded: count, rejected: count }),
    progress: z
      .object({ bytes_done: count, eta_seconds: z.number().nonnegative().nullable() })
      .meta({
        description:
          'Bytes of the scanned source in committed chunks, and the expected seconds to completion from the rate observed since loading began (null when unknown or ended).',
      }),
    queue: jobQueueSchema.optional().meta({
      description:
        "The job's chunks in the fair dispatch (absent for a job planned before it): recorded in its plan, dispatched (tasks published), in flight (dispatched, not committed), waiting (recorded, not dispatched) and since when the oldest waiting chunk waits.",
    }),
    timings: z
      .object({
        stored_at: timestamp,
        planned_at: timestamp.nullable(),
        loading_started_at: timestamp.nullable(),
      })
      .meta({ description: 'When each stage began (stored = upload finished and job recorded).' }),
    rejects_top: z
      .array(z.object({ code: z.string(), count: count }))
      .optional()
      .meta({ description: 'The five most frequent reject reasons.' }),
    schema: z
      .unknown()
      .optional()
      .meta({ description: 'The table schema the job loads with (see the normalize package).' }),
    schema_source: z.enum(['declared', 'dataset', 'inferred']).nullable().optional(),
    load: z
      .object({
        mode: z.enum(LOAD_MODES),
        key: z.array(z.string()).nullable(),
        atomic: z.boolean(),
      })
      .meta({
        description:
          'How rows reach the table: mode, key (upsert), and whether all appear at once.',
      }),
    object: z.object({ stored: z.boolean(), expires_at: timestamp.nullable() }).meta({
      description:
        "Whether the upload and its derived objects are still in storage, and when they go: the job's end plus its retention (null while the job runs).",
    }),
    upload: z
      .object({ offset: count, length: count.nullable(), expires_at: timestamp.nullable() })
      .optional()
      .meta({
        description:
          'An upload while its bytes arrive (status `receiving`): bytes durably stored so far, the length announced (null when the upload did not announce it: a multipart form, a chunked PUT), and when a resumable (tus) one expires unless finished (null for a raw upload: it ends with its request).',
      }),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    created_at: timestamp,
    updated_at: timestamp,
    completed_at: timestamp.optional(),
  })
  .meta({ title: 'Job' });

export type JobView = z.infer<typeof jobViewSchema>;
