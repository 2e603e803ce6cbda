/** Two projects: fast pure unit tests next to the source, and integration/e2e tests against real servers. */
const transform = { '^.+\\.(ts|js|mjs)$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
/**
 * @tus/server and what it imports are ES modules only: Jest's own module loader needs them
 * compiled to CommonJS (Node itself loads them; the bundles are built by esbuild).
 */
const transformIgnorePatterns = ['/node_modules/(?!\\.pnpm/)(?!(@tus|srvx)/)'];

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests wait for real jobs; testTimeout is a global option, not a project one.
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/tests/support/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      testMatch: [
        '<rootDir>/packages/*/src/**/*.test.ts',
        '<rootDir>/services/*/src/**/*.test.ts',
        '<rootDir>/web/src/**/*.test.ts',
      ],
    },
    {
      displayName: 'integration',
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/tests/**/*.test.ts'],
    },
  ],
};
