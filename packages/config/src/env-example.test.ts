import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  gatewayEnvSchema,
  loaderEnvSchema,
  notifierEnvSchema,
  parseEnv,
  splitterEnvSchema,
} from './env';

const SCHEMAS = [gatewayEnvSchema, splitterEnvSchema, loaderEnvSchema, notifierEnvSchema];

/** Settings .env.example shows that no service reads: the tests' and the AWS SDK's own. */
const NOT_READ_BY_SERVICES = new Set([
  'TEST_DATABASE_URL',
  'AWS_REQUEST_CHECKSUM_CALCULATION',
  'AWS_RESPONSE_CHECKSUM_VALIDATION',
]);

/** Where .env.example shows the local stack's value rather than the built-in default, and why. */
const LOCAL_VALUES: Record<string, string> = {
  // The local stack's webhook receiver listens on this machine; production allows no such address.
  WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8,::1/128',
};

/** `NAME=value` lines that are not commented out. */
function readExample(): Map<string, string> {
  const text = readFileSync(resolve(__dirname, '../../../.env.example'), 'utf8');
  const settings = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) settings.set(m[1] as string, m[2] as string);
  }
  return settings;
}

describe('.env.example', () => {
  const example = readExample();
  const read = new Set(SCHEMAS.flatMap((s) => Object.keys(s.shape)));

  it('lists every setting a service reads', () => {
    expect([...read].filter((name) => !example.has(name)).sort()).toEqual([]);
  });

  it('lists nothing else but the settings it says no service reads', () => {
    const extra = [...example.keys()].filter((name) => !read.has(name));
    expect(extra.filter((name) => !NOT_READ_BY_SERVICES.has(name))).toEqual([]);
  });

  it("shows each setting's default", () => {
    for (const schema of SCHEMAS) {
      const defaults = parseEnv(schema, {}) as Record<string, unknown>;
      const shown = parseEnv(
        schema,
        Object.fromEntries(Object.keys(schema.shape).map((k) => [k, example.get(k)])),
      ) as Record<string, unknown>;
      for (const name of Object.keys(schema.shape)) {
        const expected = name in LOCAL_VALUES ? LOCAL_VALUES[name] : defaults[name];
        expect({ name, value: shown[name] }).toEqual({ name, value: expected });
      }
    }
  });
});
