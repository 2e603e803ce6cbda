import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError } from '../cli-errors';
import { contextOf, type CliIo } from '../command-context';
import { formatTable } from '../format';
import { positiveInteger } from './job-commands';

function readSchema(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    // A file holding a whole dataset ({name, schema}) is taken as its schema.
    if (
      parsed !== null &&
      typeof parsed === 'object' &&
      'schema' in parsed &&
      !('columns' in parsed)
    ) {
      return parsed.schema;
    }
    return parsed;
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
}

/** `datasets list|get|put|delete`: the tenant's stored table schemas. */
export function registerDatasets(program: Command, io: CliIo): void {
  const datasets = program
    .command('datasets')
    .description('stored table schemas (load with upload --dataset)');

  datasets
    .command('list')
    .description('your datasets by name')
    .option('--limit <n>', 'how many (1–200)', positiveInteger(200), 50)
    .option('--cursor <cursor>', 'the next page')
    .action(async (options: { limit: number; cursor?: string }, command: Command) => {
      const ctx = contextOf(command, io);
      const page = await ctx.client.listDatasets(options);
      if (ctx.json) {
        ctx.printJson(page);
        return;
      }
      if (page.datasets.length === 0) {
        ctx.print('no datasets');
        return;
      }
      ctx.print(
        formatTable(
          ['NAME', 'COLUMNS', 'CREATED'],
          page.datasets.map((d) => {
            const columns = (d.schema as { columns?: unknown[] } | null)?.columns?.length ?? 0;
            return [d.name, String(columns), d.created_at];
          }),
        ),
      );
      if (page.next_cursor !== null)
        ctx.print(`more: csv-ingest datasets list --cursor ${page.next_cursor}`);
    });

  datasets
    .command('get')
    .description('a dataset and its schema')
    .argument('<name>')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      const dataset = await ctx.client.getDataset(name);
      if (ctx.json) ctx.printJson(dataset);
      else ctx.print(JSON.stringify(dataset.schema, null, 2));
    });

  datasets
    .command('put')
    .description('store a schema under a name (creates or replaces)')
    .argument('<name>')
    .argument('<schema.json>', 'the schema ({"columns": [...]})')
    .action(async (name: string, file: string, _options: unknown, command: Command) => {
      const schema = readSchema(file);
      const ctx = contextOf(command, io);
      const dataset = await ctx.client.putDataset(name, schema);
      if (ctx.json) ctx.printJson(dataset);
      else ctx.print(`dataset ${dataset.name} stored`);
    });

  datasets
    .command('delete')
    .description('remove a dataset (jobs keep their copy of its schema)')
    .argument('<name>')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, io);
      await ctx.client.deleteDataset(name);
      if (ctx.json) ctx.printJson({ name, deleted: true });
      else ctx.print(`dataset ${name} deleted`);
    });
}
