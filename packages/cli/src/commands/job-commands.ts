import { JOB_STATUSES, type JobStatus } from '@ingest/contracts';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { contextOf, type CliIo } from '../command-context';
import { formatCount, formatTable } from '../format';
import { describeJob } from '../job-summary';

export function positiveInteger(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    }
    return n;
  };
}

/** `status`, `jobs` and `cancel`: reading and stopping jobs. */
export function registerJobCommands(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("a job's status, rows and reject reasons")
    .argument('<job>', 'job id')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const job = await ctx.client.getJob(jobId);
      if (ctx.json) ctx.printJson(job);
      else ctx.print(describeJob(job).join('\n'));
    });

  program
    .command('jobs')
    .description('your jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .option('--limit <n>', 'how many (1–200)', positiveInteger(200), 20)
    .option('--cursor <cursor>', 'the next page (printed under a full page)')
    .action(
      async (options: { status?: JobStatus; limit: number; cursor?: string }, command: Command) => {
        const ctx = contextOf(command, io);
        const page = await ctx.client.listJobs(options);
        if (ctx.json) {
          ctx.printJson(page);
          return;
        }
        if (page.jobs.length === 0) {
          ctx.print('no jobs');
          return;
        }
        ctx.print(
          formatTable(
            ['ID', 'STATUS', 'TABLE', 'LOADED', 'REJECTED', 'CREATED'],
            page.jobs.map((j) => [
              j.id,
              j.status,
              j.table,
              formatCount(j.rows.loaded),
              formatCount(j.rows.rejected),
              j.created_at,
            ]),
          ),
        );
        if (page.next_cursor !== null)
          ctx.print(`more: csv-ingest jobs --cursor ${page.next_cursor}`);
      },
    );

  program
    .command('cancel')
    .description('cancel a job: planning and loading stop (committed rows stay)')
    .argument('<job>', 'job id')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const job = await ctx.client.cancelJob(jobId);
      if (ctx.json) ctx.printJson(job);
      else ctx.print(`job ${job.id} ${job.status}`);
    });
}
