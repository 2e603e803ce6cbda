import { isTerminal, type JobView } from '@ingest/contracts';
import { Option, type Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../cli-errors';
import { contextOf, type CliIo } from '../command-context';
import { followJob } from '../follow-job';
import { describeOutcome } from '../job-summary';
import { progressFor } from '../progress/progress-reporter';
import { chooseTransport, type TransportChoice } from '../upload/choose-transport';
import type { JobParams, UploadSource } from '../upload/upload-transport';

interface UploadOptions {
  table: string;
  schema?: string;
  dataset?: string;
  mode?: string;
  upsertKey?: string;
  atomic?: boolean;
  chunkSize?: string;
  maxRejects?: string;
  delimiter?: string;
  quote?: string;
  header?: string;
  encoding?: string;
  webhookUrl?: string;
  dedupe?: boolean;
  idempotencyKey?: string;
  wait?: boolean;
  quiet?: boolean;
  transport: TransportChoice;
}

function sourceOf(path: string): UploadSource {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (!stat.isFile()) throw new UsageError(`${path} is not a file`);
  return { path, name: basename(path), size: stat.size, mtimeMs: stat.mtimeMs };
}

function schemaOf(path: string | undefined): unknown {
  if (path === undefined) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read the schema ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`the schema ${path} is not JSON: ${(error as Error).message}`);
  }
}

/** The job's options under the names the API gives them (query parameters, tus metadata). */
export function jobParamsOf(o: Omit<UploadOptions, 'transport'>): JobParams {
  const entries: [string, string | undefined][] = [
    ['table', o.table],
    ['dataset', o.dataset],
    ['mode', o.mode],
    ['key', o.upsertKey],
    ['atomic', o.atomic === true ? 'true' : undefined],
    ['chunk_size', o.chunkSize],
    ['max_rejects', o.maxRejects],
    ['delimiter', o.delimiter],
    ['quote', o.quote],
    ['header', o.header],
    ['encoding', o.encoding],
    ['webhook_url', o.webhookUrl],
    ['dedupe', o.dedupe === true ? 'content' : undefined],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined));
}

export function registerUpload(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('upload')
    .description('upload a CSV file into a table (resumable over tus when the server speaks it)')
    .argument('<file>', 'the CSV file')
    .requiredOption('--table <name>', 'target table')
    .addOption(new Option('--schema <file.json>', 'table schema to load with').conflicts('dataset'))
    .option('--dataset <name>', 'stored schema to load with')
    .addOption(
      new Option('--mode <mode>', 'how rows reach the table').choices([
        'append',
        'upsert',
        'replace',
      ]),
    )
    .option('--upsert-key <columns>', 'key columns for --mode upsert, comma-separated')
    .option('--atomic', 'no row is visible until the job completes')
    .option('--chunk-size <size>', 'chunk size: 33554432, 32MiB, 1GB')
    .option('--max-rejects <budget>', 'reject budget: a count (10) or a share (5%)')
    .option('--delimiter <d>', 'force the delimiter: , ; tab |')
    .option('--quote <q>', 'force the quote character')
    .addOption(
      new Option('--header <bool>', 'whether the first record is a header').choices([
        'true',
        'false',
      ]),
    )
    .option('--encoding <name>', 'utf-8, utf-16le, utf-16be, windows-1252')
    .option('--webhook-url <url>', "where to POST the job's end")
    .option('--dedupe', 'identical bytes already loaded into the table return that job')
    .option(
      '--idempotency-key <key>',
      'a key of your own for this load: a repeat returns the same job',
    )
    .option('--wait', 'follow the job until it ends; exit 1 unless it completed')
    .option('--quiet', 'no progress on stderr')
    .addOption(
      new Option('--transport <how>', 'tus (resumable), direct (one request), or auto')
        .choices(['auto', 'tus', 'direct'])
        .default('auto'),
    )
    .action(async (file: string, options: UploadOptions, command: Command) => {
      const source = sourceOf(file);
      const schema = schemaOf(options.schema);
      const ctx = contextOf(command, io);
      const transport = await chooseTransport(ctx.client, options.transport, io.env);
      const progress = progressFor(io.stderr, options.quiet === true);
      // Ctrl-C: give the terminal back (the bars hide the cursor) and say how to go on.
      let uploaded: string | null = null;
      const interrupted = () => {
        progress.stop();
        io.stderr.write(
          uploaded !== null
            ? `interrupted: job ${uploaded} goes on (csv-ingest status ${uploaded})\n`
            : transport.name === 'tus'
              ? 'interrupted: run the same command again to resume the upload\n'
              : 'interrupted: nothing was kept; run the command again\n',
        );
        process.exit(130);
      };
      process.once('SIGINT', interrupted);
      let job: JobView;
      let endedEarly = false;
      try {
        let announced: string | null = null;
        let endedMeanwhile: JobView | null = null;
        const result = await transport
          .upload(
            {
              source,
              params: jobParamsOf(options),
              schema,
              idempotencyKey: options.idempotencyKey ?? null,
            },
            {
              progress: (sent, total) => progress.upload(sent, total),
              jobCreated: (id) => {
                if (id === announced) return;
                announced = id;
                progress.note(`job ${id}`);
              },
              retrying: (reason, attempt) => progress.note(`retrying (${attempt}): ${reason}`),
            },
          )
          .catch(async (e: unknown) => {
            // Refused because its job ended meanwhile (cancelled while receiving, expired):
            // the job's end is the answer, not the transport's error.
            const id: string | null = announced;
            const view = id === null ? null : await ctx.client.getJob(id).catch(() => null);
            if (view === null || !isTerminal(view.status)) throw e;
            endedMeanwhile = view;
            endedEarly = true;
            return { jobId: view.id, job: view, resumed: false };
          });
        uploaded = result.jobId;
        if (result.resumed) progress.note(`resumed an earlier upload of ${source.name}`);
        job =
          endedMeanwhile ??
          (options.wait === true
            ? await followJob(ctx.client, result.jobId, {
                onUpdate: (view) => progress.load(view),
                onReconnect: (reason, attempt) =>
                  progress.note(`following again (${attempt}): ${reason}`),
              })
            : (result.job ?? (await ctx.client.getJob(result.jobId))));
      } finally {
        process.removeListener('SIGINT', interrupted);
        progress.stop();
      }
      // Without --wait the outcome counts only when the job ended before the upload did.
      const decided = options.wait === true || endedEarly;
      if (ctx.json) ctx.printJson(job);
      else if (decided) for (const line of describeOutcome(job)) ctx.print(line);
      else
        ctx.print(
          [`job ${job.id} ${job.status}`, `follow it: csv-ingest status ${job.id}`].join('\n'),
        );
      if (decided && job.status !== 'completed') setExit(1);
    });
}
