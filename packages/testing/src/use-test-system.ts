import type pg from 'pg';
import { startSystem, type RunningSystem, type SystemShape } from './running-system';
import { createTestEnvironment, type TestEnvironment } from './test-environment';

export interface TestSystem {
  t: TestEnvironment;
  system: RunningSystem;
  /** A client on the test's database. */
  db: pg.Client;
}

/**
 * Registers the usual set-up of an end-to-end suite: an isolated environment,
 * the services in-process and a database client before all tests, all of it
 * stopped and removed after them. Fields are set once `beforeAll` has run.
 */
export function useTestSystem(
  overrides: Record<string, string> = {},
  shape: SystemShape = {},
): TestSystem {
  const ctx = {} as TestSystem;
  beforeAll(async () => {
    ctx.t = await createTestEnvironment(overrides);
    ctx.system = await startSystem(ctx.t.env, shape);
    ctx.db = await ctx.t.db();
  });
  afterAll(async () => {
    await ctx.system?.stop();
    await ctx.db?.end();
    await ctx.t?.cleanup();
  });
  return ctx;
}
