import {
  ConfigError,
  DEVELOPMENT_SECRETS,
  gatewayEnvSchema,
  loaderEnvSchema,
  notifierEnvSchema,
  parseEnv,
  splitterEnvSchema,
  storageSettingsFrom,
} from './env';

describe('parseEnv', () => {
  it('fills defaults for a bare environment', () => {
    const env = parseEnv(gatewayEnvSchema, {});
    expect(env.GATEWAY_PORT).toBe(8080);
    expect(env.S3_FORCE_PATH_STYLE).toBe(true);
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/ingest');
  });

  it('coerces numbers and booleans', () => {
    const env = parseEnv(gatewayEnvSchema, { GATEWAY_PORT: '9000', S3_FORCE_PATH_STYLE: 'false' });
    expect(env.GATEWAY_PORT).toBe(9000);
    expect(env.S3_FORCE_PATH_STYLE).toBe(false);
  });

  it('names every bad variable', () => {
    expect(() =>
      parseEnv(splitterEnvSchema, { SPLITTER_CHUNK_BYTES: 'lots', REDIS_URL: 'not a url' }),
    ).toThrow(ConfigError);
    try {
      parseEnv(splitterEnvSchema, { SPLITTER_CHUNK_BYTES: 'lots', REDIS_URL: 'not a url' });
    } catch (e) {
      expect((e as Error).message).toMatch(/SPLITTER_CHUNK_BYTES/);
      expect((e as Error).message).toMatch(/REDIS_URL/);
    }
  });

  it('reads the webhook retry schedule as a list of milliseconds', () => {
    expect(parseEnv(notifierEnvSchema, {}).NOTIFIER_SCHEDULE_MS).toEqual([
      0, 5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000,
    ]);
    expect(
      parseEnv(notifierEnvSchema, { NOTIFIER_SCHEDULE_MS: '0, 200,400' }).NOTIFIER_SCHEDULE_MS,
    ).toEqual([0, 200, 400]);
    for (const bad of ['', '0,,1', '-1', '1.5', 'soon']) {
      expect(() => parseEnv(notifierEnvSchema, { NOTIFIER_SCHEDULE_MS: bad })).toThrow(
        /NOTIFIER_SCHEDULE_MS/,
      );
    }
  });

  it('wants a 32-byte WEBHOOK_ENCRYPTION_KEY', () => {
    expect(() => parseEnv(gatewayEnvSchema, { WEBHOOK_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(
      /WEBHOOK_ENCRYPTION_KEY/,
    );
  });

  it('reads the dispatch settings: defaults, and tenant weights as tenant=weight pairs', () => {
    const splitter = parseEnv(splitterEnvSchema, {});
    expect(splitter).toMatchObject({
      SPLITTER_CONCURRENCY: 2,
      DISPATCH_JOB_WINDOW: 4,
      DISPATCH_MAX_IN_FLIGHT: 8,
      DISPATCH_TENANT_MAX_IN_FLIGHT: 0,
      DISPATCH_POLL_INTERVAL: 1000,
    });
    expect(splitter.DISPATCH_TENANT_WEIGHTS).toEqual(new Map());
    const weighted = parseEnv(splitterEnvSchema, {
      DISPATCH_TENANT_WEIGHTS: ' acme=2, batch=0.5 ',
    });
    expect(weighted.DISPATCH_TENANT_WEIGHTS).toEqual(
      new Map([
        ['acme', 2],
        ['batch', 0.5],
      ]),
    );
    for (const bad of ['acme', 'acme=0', 'acme=-1', '=2', 'acme=lots']) {
      expect(() => parseEnv(splitterEnvSchema, { DISPATCH_TENANT_WEIGHTS: bad })).toThrow(
        /DISPATCH_TENANT_WEIGHTS/,
      );
    }
  });

  it('reads durations with their unit, in milliseconds', () => {
    const gateway = parseEnv(gatewayEnvSchema, {});
    expect(gateway.STORAGE_RETENTION).toBe(7 * 24 * 3600 * 1000);
    expect(gateway.STORAGE_UPLOAD_LEASE).toBe(5 * 60 * 1000);
    const splitter = parseEnv(splitterEnvSchema, {});
    expect(splitter.SWEEPER_INTERVAL).toBe(60_000);
    expect(splitter.SWEEPER_ORPHAN_GRACE).toBe(24 * 3600 * 1000);
    for (const [value, expected] of [
      ['0', 0],
      ['250ms', 250],
      ['30s', 30_000],
      ['1.5h', 5_400_000],
      [' 2d ', 172_800_000],
    ] as const) {
      expect(parseEnv(gatewayEnvSchema, { STORAGE_RETENTION: value }).STORAGE_RETENTION).toBe(
        expected,
      );
    }
    for (const bad of ['', '7', '-1d', 'soon', '5 parsecs']) {
      expect(() => parseEnv(gatewayEnvSchema, { STORAGE_RETENTION: bad })).toThrow(
        /STORAGE_RETENTION/,
      );
    }
    expect(() => parseEnv(gatewayEnvSchema, { STORAGE_UPLOAD_LEASE: '10ms' })).toThrow(
      /STORAGE_UPLOAD_LEASE/,
    );
  });
});

describe('storage settings', () => {
  it('builds S3 by default and a directory store when asked', () => {
    expect(storageSettingsFrom(parseEnv(loaderEnvSchema, {})).backend).toBe('s3');
    const fs = parseEnv(loaderEnvSchema, { STORAGE_BACKEND: 'fs', STORAGE_DIR: '/var/lib/ingest' });
    expect(storageSettingsFrom(fs)).toEqual({ backend: 'fs', fs: { root: '/var/lib/ingest' } });
  });

  it('wants an absolute STORAGE_DIR with fs: every service runs in a directory of its own', () => {
    expect(() => parseEnv(loaderEnvSchema, { STORAGE_DIR: 'data/objects' })).toThrow(/STORAGE_DIR/);
    expect(() => parseEnv(loaderEnvSchema, { STORAGE_BACKEND: 'nfs' })).toThrow(/STORAGE_BACKEND/);
    const noDir = parseEnv(loaderEnvSchema, { STORAGE_BACKEND: 'fs' });
    expect(() => storageSettingsFrom(noDir)).toThrow(ConfigError);
    expect(() => storageSettingsFrom(noDir)).toThrow(/STORAGE_DIR/);
  });
});

describe('secrets in production', () => {
  const own = {
    WEBHOOK_SECRET: 'whsec_b3duLXNlY3JldC1vZi10aGlzLWRlcGxveW1lbnQ=',
    WEBHOOK_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
  };

  it('keeps the public development values outside production', () => {
    for (const NODE_ENV of [undefined, 'development', 'test']) {
      expect(parseEnv(notifierEnvSchema, { NODE_ENV }).WEBHOOK_SECRET).toBe(
        DEVELOPMENT_SECRETS.WEBHOOK_SECRET,
      );
      expect(parseEnv(gatewayEnvSchema, { NODE_ENV }).WEBHOOK_ENCRYPTION_KEY).toBe(
        DEVELOPMENT_SECRETS.WEBHOOK_ENCRYPTION_KEY,
      );
    }
  });

  it('refuses to start without them, naming each missing one', () => {
    expect(() => parseEnv(notifierEnvSchema, { NODE_ENV: 'production' })).toThrow(
      /WEBHOOK_SECRET: must be set to a secret of your own.*WEBHOOK_ENCRYPTION_KEY: must be set/,
    );
    expect(() => parseEnv(gatewayEnvSchema, { NODE_ENV: 'production' })).toThrow(
      /WEBHOOK_ENCRYPTION_KEY: must be set to a secret of your own/,
    );
    expect(() =>
      parseEnv(notifierEnvSchema, { NODE_ENV: 'production', WEBHOOK_SECRET: own.WEBHOOK_SECRET }),
    ).toThrow(/^invalid configuration: WEBHOOK_ENCRYPTION_KEY: must be set[^;]*$/);
  });

  it('refuses the development values set explicitly', () => {
    expect(() =>
      parseEnv(notifierEnvSchema, { NODE_ENV: 'production', ...DEVELOPMENT_SECRETS }),
    ).toThrow(/WEBHOOK_SECRET.*WEBHOOK_ENCRYPTION_KEY/);
  });

  it('starts with secrets of its own; services that sign nothing need none', () => {
    expect(parseEnv(notifierEnvSchema, { NODE_ENV: 'production', ...own })).toMatchObject(own);
    expect(
      parseEnv(gatewayEnvSchema, { NODE_ENV: 'production', ...own }).WEBHOOK_ENCRYPTION_KEY,
    ).toBe(own.WEBHOOK_ENCRYPTION_KEY);
    expect(parseEnv(splitterEnvSchema, { NODE_ENV: 'production' }).NODE_ENV).toBe('production');
    expect(parseEnv(loaderEnvSchema, { NODE_ENV: 'production' }).NODE_ENV).toBe('production');
  });
});
