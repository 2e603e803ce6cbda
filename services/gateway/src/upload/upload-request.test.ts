import { isAppError } from '@ingest/errors';
import type { Request } from 'express';
import type { Caller } from '../http/authenticate';
import { parseUploadRequest } from './upload-request';

const caller: Caller = {
  tenant: 't1',
  keyId: 'k1',
  limits: { maxRequestsPerMinute: 60, maxConcurrentUploads: 2, maxUploadBytes: 5000 },
};

/** The parts of an express request the parser reads: the query and the headers. */
const fakeRequest = (query: Record<string, unknown>, headers: Record<string, string> = {}) =>
  ({
    query,
    get: (name: string) => headers[name.toLowerCase()],
  }) as unknown as Request;

const parse = (query: Record<string, unknown>, headers: Record<string, string> = {}) =>
  parseUploadRequest(fakeRequest(query, headers), caller, {
    minChunkBytes: 1024,
    maxChunkBytes: 1024 ** 3,
  });

const refusal = (query: Record<string, unknown>, headers: Record<string, string> = {}) => {
  try {
    parse(query, headers);
  } catch (e) {
    return isAppError(e) ? { code: e.code, message: e.message } : { code: 'not an AppError' };
  }
  return null;
};

const SHA = Buffer.alloc(32, 7);

describe('parseUploadRequest', () => {
  it('reads nothing into a request without options', () => {
    expect(parse({})).toEqual({
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
      limits: { maxUploadBytes: 5000, maxConcurrentUploads: 2, declaredBytes: undefined },
    });
  });

  it('reads every option, the first of a repeated one, and the headers', () => {
    const request = parse(
      {
        table: ['people', 'other'],
        delimiter: 'tab',
        quote: "'",
        header: 'false',
        encoding: 'latin1',
        webhook_url: 'https://example.com/hook',
        chunk_size: '2048',
        dataset: 'ds',
        max_rejects: '5%',
        mode: 'upsert',
        key: 'id, name',
        atomic: 'true',
        dedupe: 'content',
      },
      {
        'idempotency-key': 'nightly',
        'content-digest': `sha-512=:xx:, sha-256=:${SHA.toString('base64')}:`,
        'content-length': '123',
      },
    );
    expect(request).toEqual({
      tenant: 't1',
      keyId: 'k1',
      table: 'people',
      webhookUrl: 'https://example.com/hook',
      chunkBytes: 2048,
      dialectOverrides: { delimiter: '\t', quote: "'", header: false, encoding: 'windows-1252' },
      dataset: 'ds',
      maxRejects: '5%',
      load: { mode: 'upsert', key: ['id', 'name'], atomic: true },
      dedupeContent: true,
      idempotencyKey: 'nightly',
      declaredSha256: SHA.toString('hex'),
      limits: { maxUploadBytes: 5000, maxConcurrentUploads: 2, declaredBytes: 123 },
    });
  });

  it.each([
    [{ delimiter: 'x' }, {}, 'VALIDATION_FAILED', /^query parameter delimiter: must be one of/],
    [{ chunk_size: '-1' }, {}, 'VALIDATION_FAILED', /^query parameter chunk_size: /],
    [
      { chunk_size: '512' },
      {},
      'VALIDATION_FAILED',
      /^chunk_size must be between 1 KiB and 1 GiB, not 512 B$/,
    ],
    [
      { chunk_size: '2GiB' },
      {},
      'VALIDATION_FAILED',
      /^chunk_size must be between 1 KiB and 1 GiB, not 2 GiB$/,
    ],
    [{ chunk_size: '1.5' }, {}, 'VALIDATION_FAILED', /chunk_size: must be a size such as/],
    [
      { limt: '5', tabel: 'x' },
      {},
      'VALIDATION_FAILED',
      /^unknown query parameters "limt", "tabel"/,
    ],
    [{ max_rejects: '101%' }, {}, 'VALIDATION_FAILED', /^query parameter max_rejects: /],
    [{ dataset: '1x' }, {}, 'VALIDATION_FAILED', /^query parameter dataset: must be 1 to 63/],
    [{}, { 'idempotency-key': '' }, 'VALIDATION_FAILED', /^Idempotency-Key must be 1 to 255/],
    [{ table: 'a b' }, {}, 'INVALID_TABLE_NAME', /./],
    [{ mode: 'upsert' }, {}, 'VALIDATION_FAILED', /^mode=upsert needs a key/],
    [{ key: 'id,id' }, {}, 'VALIDATION_FAILED', /a column is listed twice$/],
    [{}, { 'content-digest': 'sha-256=:abc:' }, 'VALIDATION_FAILED', /^Content-Digest: /],
  ])('refuses %j %j with %s', (query, headers, code, message) => {
    const refused = refusal(query, headers);
    expect(refused?.code).toBe(code);
    expect(refused?.message).toMatch(message);
  });

  it('reads chunk_size in bytes or with a unit', () => {
    expect(parse({ chunk_size: '32MiB' }).chunkBytes).toBe(32 * 1024 ** 2);
    expect(parse({ chunk_size: '1GB' }).chunkBytes).toBe(1e9);
    expect(parse({ chunk_size: '4096' }).chunkBytes).toBe(4096);
  });

  it('checks in a fixed order: the table before the load options before the digest', () => {
    const headers = { 'content-digest': 'sha-256=:abc:' };
    expect(refusal({ table: 'a b', mode: 'upsert' }, headers)?.code).toBe('INVALID_TABLE_NAME');
    expect(refusal({ mode: 'upsert' }, headers)?.message).toMatch(/^mode=upsert/);
  });
});
