import { isAppError } from '@ingest/errors';
import { parseTableSchema } from '@ingest/normalize';
import { resolveJobOptions, type JobSchema } from './job-options';
import type { UploadRequest } from './upload-request';

const request = (overrides: Partial<UploadRequest> = {}): UploadRequest => ({
  tenant: 't1',
  keyId: 'k1',
  table: null,
  webhookUrl: null,
  chunkBytes: null,
  dialectOverrides: {},
  dataset: null,
  maxRejects: null,
  load: { mode: null, key: null, atomic: null },
  dedupeContent: false,
  idempotencyKey: null,
  declaredSha256: null,
  limits: { maxUploadBytes: 1000, maxConcurrentUploads: 1, declaredBytes: undefined },
  ...overrides,
});

const schema = (extra: Record<string, unknown> = {}): JobSchema => ({
  schema: parseTableSchema({
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'text' },
    ],
    ...extra,
  }),
  source: 'declared',
});

const codeOfThrown = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return isAppError(e) ? e.code : 'not an AppError';
  }
  return undefined;
};

describe('resolveJobOptions', () => {
  it.each([
    ['the file name by default', request(), null, 'people.csv', 'people'],
    ['"upload" without a file name', request(), null, null, 'upload'],
    ["the schema's table over the file name", request(), schema({ table: 's' }), 'f.csv', 's'],
    ['?table= over both', request({ table: 'q' }), schema({ table: 's' }), 'f.csv', 'q'],
  ])('names the table: %s', (_name, req, jobSchema, fileName, table) => {
    expect(resolveJobOptions(req, jobSchema, fileName).table).toBe(table);
  });

  it.each([
    ['no budget', request(), null, { count: null, ratio: null }],
    ['a count from the query', request({ maxRejects: '10' }), null, { count: 10, ratio: null }],
    ['a share from the query', request({ maxRejects: '5%' }), null, { count: null, ratio: 0.05 }],
    ["the schema's", request(), schema({ max_rejects: 3 }), { count: 3, ratio: null }],
    [
      'the query over the schema',
      request({ maxRejects: '7' }),
      schema({ max_rejects: 3 }),
      { count: 7, ratio: null },
    ],
  ])('keeps the reject budget: %s', (_name, req, jobSchema, expected) => {
    expect(resolveJobOptions(req, jobSchema, null).maxRejects).toEqual(expected);
  });

  it.each([
    ['append by default', request(), null, { mode: 'append', key: null, atomic: false }],
    [
      "the schema's mode, key and atomic",
      request(),
      schema({ mode: 'upsert', key: ['id'], atomic: true }),
      { mode: 'upsert', key: ['id'], atomic: true },
    ],
    [
      'the query over the schema',
      request({ load: { mode: 'replace', key: ['name'], atomic: false } }),
      schema({ mode: 'upsert', key: ['id'], atomic: true }),
      { mode: 'replace', key: ['name'], atomic: false },
    ],
  ])('settles the load: %s', (_name, req, jobSchema, expected) => {
    expect(resolveJobOptions(req, jobSchema, null).load).toEqual(expected);
  });

  it.each([
    ['an upsert without a key', request({ load: { mode: 'upsert', key: null, atomic: null } })],
    ['a key listed twice', request({ load: { mode: 'upsert', key: ['id', 'id'], atomic: null } })],
    ['a key the schema lacks', request({ load: { mode: 'upsert', key: ['nope'], atomic: null } })],
  ])('refuses %s with VALIDATION_FAILED', (_name, req) => {
    expect(codeOfThrown(() => resolveJobOptions(req, schema(), null))).toBe('VALIDATION_FAILED');
  });

  it('carries the schema, its source and the request as they are', () => {
    const jobSchema = schema();
    const req = request({
      webhookUrl: 'https://example.com/hook',
      chunkBytes: 4096,
      dataset: 'd',
      dedupeContent: true,
      idempotencyKey: 'k',
      declaredSha256: 'ab',
      dialectOverrides: { delimiter: ';' },
    });
    expect(resolveJobOptions(req, jobSchema, 'f.csv')).toMatchObject({
      tenant: 't1',
      fileName: 'f.csv',
      schema: jobSchema.schema,
      schemaSource: 'declared',
      webhookUrl: 'https://example.com/hook',
      chunkBytes: 4096,
      dataset: 'd',
      dedupeContent: true,
      idempotencyKey: 'k',
      declaredSha256: 'ab',
      dialectOverrides: { delimiter: ';' },
    });
  });
});
