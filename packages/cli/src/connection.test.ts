import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_URL, resolveConnection } from './connection';

describe('resolveConnection: flags, then environment, then the local stack', () => {
  const repo = mkdtempSync(join(tmpdir(), 'cli-connection-'));
  const nested = join(repo, 'a', 'b');
  mkdirSync(nested, { recursive: true });
  writeFileSync(join(repo, '.dev-api-key'), 'dev-key\n');

  it('defaults to 127.0.0.1:8080 and the nearest .dev-api-key above the working directory', () => {
    expect(resolveConnection({}, {}, nested)).toEqual({
      url: DEFAULT_URL,
      key: 'dev-key',
      keySource: join(repo, '.dev-api-key'),
    });
  });

  it('takes CSV_INGEST_URL / CSV_INGEST_KEY over the defaults, and flags over both', () => {
    const env = { CSV_INGEST_URL: 'http://env:1/', CSV_INGEST_KEY: 'env-key' };
    expect(resolveConnection({}, env, nested)).toMatchObject({
      url: 'http://env:1',
      key: 'env-key',
    });
    expect(resolveConnection({ url: 'http://flag:2', key: 'flag-key' }, env, nested)).toMatchObject(
      {
        url: 'http://flag:2',
        key: 'flag-key',
        keySource: '--key',
      },
    );
  });

  it('has no key outside a repository without one', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cli-nokey-'));
    expect(resolveConnection({}, {}, elsewhere).key).toBeNull();
  });
});
