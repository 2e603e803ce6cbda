import { requestFingerprint } from './request-fingerprint';
import type { UploadRequest } from './upload-request';

const request = (overrides: Partial<UploadRequest> = {}): UploadRequest => ({
  tenant: 't1',
  keyId: 'k1',
  table: 'orders',
  webhookUrl: null,
  chunkBytes: null,
  dialectOverrides: {},
  dataset: null,
  maxRejects: null,
  load: { mode: null, key: null, atomic: null },
  dedupeContent: false,
  idempotencyKey: 'key-1',
  declaredSha256: null,
  limits: { maxUploadBytes: 1000, maxConcurrentUploads: 1, declaredBytes: undefined },
  ...overrides,
});

describe('requestFingerprint', () => {
  it('is the same for the same request, whatever the key, its limits, length or digest', () => {
    expect(
      requestFingerprint(
        request({
          keyId: 'k2',
          idempotencyKey: 'other',
          declaredSha256: 'ab'.repeat(32),
          limits: { maxUploadBytes: 5, maxConcurrentUploads: 9, declaredBytes: 42 },
        }),
      ),
    ).toBe(requestFingerprint(request()));
    expect(requestFingerprint(request())).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, Partial<UploadRequest>]>([
    ['table', { table: 'orders_2' }],
    ['no table (taken from the file name)', { table: null }],
    ['mode', { load: { mode: 'replace', key: null, atomic: null } }],
    ['key', { load: { mode: 'upsert', key: ['id'], atomic: null } }],
    ['atomic', { load: { mode: null, key: null, atomic: true } }],
    ['delimiter', { dialectOverrides: { delimiter: ';' } }],
    ['quote', { dialectOverrides: { quote: "'" } }],
    ['header', { dialectOverrides: { header: false } }],
    ['encoding', { dialectOverrides: { encoding: 'windows-1252' } }],
    ['chunk size', { chunkBytes: 4096 }],
    ['dataset', { dataset: 'orders' }],
    ['reject budget', { maxRejects: '5%' }],
    ['webhook', { webhookUrl: 'https://example.com/h' }],
    ['dedupe', { dedupeContent: true }],
  ])('differs with another %s', (_what, change) => {
    expect(requestFingerprint(request(change))).not.toBe(requestFingerprint(request()));
  });
});
