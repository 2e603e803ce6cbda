import { errors } from '@ingest/errors';
import type { JobLifecycle, RejectCursor } from '@ingest/jobs';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { callerOf } from '../http/authenticate';
import { UUID } from '../http/id-patterns';
import { parseQuery } from '../http/parse-input';
import type { JobIntake } from '../job-intake';
import type { RejectView } from '../openapi/api-schemas';

export interface RejectRoutesDeps {
  intake: JobIntake;
  lifecycle: Pick<JobLifecycle, 'get' | 'listRejects'>;
}

export const rejectQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

const encodeCursor = ({ line, id }: RejectCursor) =>
  Buffer.from(`${line}:${id}`).toString('base64url');

function decodeCursor(cursor: string): RejectCursor {
  const m = /^(\d{1,15}):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw errors.validation('cursor is not one this API returned');
  return { line: Number(m[1]), id: Number(m[2]) };
}

const CSV_PAGE = 5000;

/**
 * A job's rejected records. JSON pages carry the raw record as UTF-8 text
 * (bytes that are not UTF-8 become U+FFFD); `?format=csv` streams the header
 * record and every rejected record as the exact bytes of the file, one per
 * line, so they can be fixed and uploaded again.
 */
export function rejectRoutes(deps: RejectRoutesDeps): Router {
  const router = Router();

  router.get('/v1/jobs/:id/rejects', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) throw errors.jobNotFound(id);
    await deps.intake.view(id, callerOf(res).tenant); // another tenant's job: 404
    const q = parseQuery(rejectQuery, req.query);

    if (q.format === 'csv') {
      const job = await deps.lifecycle.get(id);
      const eol = job?.dialect?.line_ending ?? '\n';
      res.status(200).type('text/csv');
      res.set('Content-Disposition', `attachment; filename="${id}-rejects.csv"`);
      if (job?.header_raw) res.write(Buffer.concat([job.header_raw, Buffer.from(eol)]));
      let after: RejectCursor | undefined;
      for (;;) {
        const page = await deps.lifecycle.listRejects(id, { limit: CSV_PAGE, after });
        for (const r of page) res.write(Buffer.concat([r.raw, Buffer.from(eol)]));
        const last = page[page.length - 1];
        if (!last || page.length < CSV_PAGE) break;
        after = last;
      }
      res.end();
      return;
    }

    const rows = await deps.lifecycle.listRejects(id, {
      limit: q.limit + 1,
      after: q.cursor === undefined ? undefined : decodeCursor(q.cursor),
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({
      rejects: page.map((r): RejectView => ({
        line: r.line,
        byte_offset: r.byte_offset,
        chunk: r.chunk_index,
        column: r.column,
        code: r.code,
        message: r.message,
        raw: r.raw.toString('utf8'),
      })),
      next_cursor: rows.length > q.limit && last ? encodeCursor(last) : null,
    });
  });

  return router;
}
