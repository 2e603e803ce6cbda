import type pg from 'pg';
import { startSystem, type RunningSystem, type SystemShape } from './running-system';
import { createTestEnvironment, type TestEnvironment, type TestServers } from './test-environment';

export interface TestSystem {
  t: TestEnvironment;
  system: RunningSystem;
  /** A client on the test's database. */
  db: pg.Client;
  /**
   * Starts more services on the same environment (a second gateway behind the
   * same load balancer, say); they are stopped before the first system.
   */
  startAnother(shape: SystemShape): Promise<RunningSystem>;
}

/** Environment overrides, or a function that makes them once (after starting what they point at). */
export type TestOverrides = Record<string, string> | (() => Promise<Record<string, string>>);

/**
 * Registers the usual set-up of an end-to-end suite: an isolated environment,
 * the services in-process and a database client before all tests, all of it
 * stopped and removed after them. Fields are set once `beforeAll` has run.
 * Hooks the suite registers later run after these (jest keeps declaration order),
 * so a server the overrides point at can be stopped in the suite's own `afterAll`.
 */
export function useTestSystem(
  overrides: TestOverrides = {},
  shape: SystemShape = {},
  /** Read after the overrides are made (they may start the servers it names). */
  servers: () => TestServers = () => ({}),
): TestSystem {
  const others: RunningSystem[] = [];
  const ctx = {
    async startAnother(another: SystemShape) {
      const system = await startSystem(ctx.t.env, another);
      others.push(system);
      return system;
    },
  } as TestSystem;
  beforeAll(async () => {
    ctx.t = await createTestEnvironment(
      typeof overrides === 'function' ? await overrides() : overrides,
      servers(),
    );
    ctx.system = await startSystem(ctx.t.env, shape);
    ctx.db = await ctx.t.db();
  });
  afterAll(async () => {
    for (const other of others.splice(0)) await other.stop();
    await ctx.system?.stop();
    await ctx.db?.end();
    await ctx.t?.cleanup();
  });
  return ctx;
}
