import type { Command } from 'commander';
import { pipeline } from 'node:stream/promises';
import type { RejectView } from '../api-client';
import { contextOf, type CliIo } from '../command-context';
import { formatTable } from '../format';
import { positiveInteger } from './job-commands';

const PAGE = 1000;

/** `rejects`: a job's rejected rows, as a table, JSON, or the file's own bytes (`--csv`). */
export function registerRejects(program: Command, io: CliIo): void {
  program
    .command('rejects')
    .description(
      "a job's rejected rows: line, column, reason (--csv: the records to fix and upload again)",
    )
    .argument('<job>', 'job id')
    .option('--csv', 'the header and every rejected record as the exact bytes of the file')
    .option(
      '--limit <n>',
      'at most this many rows (not with --csv)',
      positiveInteger(1_000_000),
      100,
    )
    .action(async (jobId: string, options: { csv?: boolean; limit: number }, command: Command) => {
      const ctx = contextOf(command, io);
      if (options.csv === true) {
        await pipeline(await ctx.client.rejectsCsv(jobId), io.stdout, { end: false });
        return;
      }
      const rejects: RejectView[] = [];
      let cursor: string | undefined;
      do {
        const limit = Math.min(PAGE, options.limit - rejects.length);
        const page = await ctx.client.listRejects(jobId, { limit, cursor });
        rejects.push(...page.rejects);
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined && rejects.length < options.limit);
      if (ctx.json) {
        ctx.printJson({ rejects, next_cursor: cursor ?? null });
        return;
      }
      if (rejects.length === 0) {
        ctx.print('no rejected rows');
        return;
      }
      ctx.print(
        formatTable(
          ['LINE', 'COLUMN', 'CODE', 'MESSAGE'],
          rejects.map((r) => [String(r.line), r.column ?? '-', r.code, r.message]),
        ),
      );
      if (cursor !== undefined)
        ctx.print(`(first ${rejects.length}; --limit for more, --csv for all)`);
    });
}
