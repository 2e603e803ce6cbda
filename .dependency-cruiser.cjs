/**
 * Which package may import which: the layering docs/architecture.md draws, checked in
 * `npm run lint`. Layers, bottom up:
 *   foundation  contracts, errors, config           — no other @ingest package (config: none)
 *   pure logic  csv, normalize, pg-copy,          — foundation only; no drivers, no I/O
 *               net-guard
 *   technology  postgres, redis, rabbitmq,          — foundation and pure logic; connection-level
 *               object-store, metrics                 code only, never a feature
 *   features    loading, jobs, access, webhooks,    — the above; jobs may use loading,
 *               housekeeping, datasets                housekeeping may use jobs
 *   wiring      runtime                             — builds adapters for the services
 *   services    gateway, splitter, loader, notifier — anything but another service
 *   testing     packages/testing, tests/, scripts/  — anything
 *   clients     cli                                 — contracts only: installed without the server
 * @type {import('dependency-cruiser').IConfiguration}
 */
const PURE = 'contracts|errors|config|csv|normalize|pg-copy|net-guard';
const TECHNOLOGY = 'postgres|redis|rabbitmq|object-store|metrics';
const FEATURES = 'loading|jobs|access|webhooks|housekeeping|datasets';
const DRIVERS = 'pg|pg-copy-streams|ioredis|bullmq|amqplib|@aws-sdk|express|multer|undici';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle means two modules are one: merge them or move what both need.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'services-are-independent',
      severity: 'error',
      comment: 'A service is a deployable: what two services share belongs in a package.',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'packages-never-import-services',
      severity: 'error',
      comment: 'Only packages/testing starts services (in-process systems for tests).',
      from: { path: '^packages/', pathNot: '^packages/testing/' },
      to: { path: '^services/' },
    },
    {
      name: 'only-through-the-entry-point',
      severity: 'error',
      comment:
        'Another package is used through its index (its public API), never a file of its own.',
      from: { path: '^(packages|services)/([^/]+)/' },
      to: { path: '^packages/[^/]+/src/', pathNot: ['^$1/$2/', '^packages/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'foundation-imports-no-package',
      severity: 'error',
      from: { path: '^packages/(contracts|errors|config)/' },
      to: { path: '^packages/', pathNot: '^packages/$1/' },
    },
    {
      name: 'pure-logic-imports-foundation-and-pure-only',
      severity: 'error',
      comment: 'Pure packages do no I/O: they can be tested and benchmarked without a server.',
      from: { path: `^packages/(${PURE})/`, pathNot: '\\.test\\.ts$' },
      to: { path: `^packages/(${TECHNOLOGY}|${FEATURES}|runtime|testing)/` },
    },
    {
      name: 'pure-logic-uses-no-driver',
      severity: 'error',
      from: { path: `^packages/(${PURE})/`, pathNot: ['^packages/net-guard/', '\\.test\\.ts$'] },
      to: { path: `(^|node_modules/)(${DRIVERS})(/|$)` },
    },
    {
      name: 'technology-packages-know-no-feature',
      severity: 'error',
      comment: 'Technology packages keep connection-level code; features build on them.',
      from: { path: `^packages/(${TECHNOLOGY})/` },
      to: { path: `^packages/(${FEATURES}|runtime|testing)/` },
    },
    {
      name: 'technology-packages-are-independent',
      severity: 'error',
      from: { path: `^packages/(${TECHNOLOGY})/` },
      to: { path: `^packages/(${TECHNOLOGY})/`, pathNot: '^packages/$1/' },
    },
    {
      name: 'features-are-independent',
      severity: 'error',
      comment: 'Features meet in services; only jobs builds on loading (a completion publishes).',
      from: { path: `^packages/(${FEATURES})/`, pathNot: '^packages/housekeeping/' },
      to: {
        path: `^packages/(${FEATURES}|runtime)/`,
        pathNot: ['^packages/$1/', '^packages/loading/'],
      },
    },
    {
      name: 'housekeeping-builds-on-jobs-only',
      severity: 'error',
      comment: 'The sweeps move jobs through their lifecycle; no other feature is theirs to use.',
      from: { path: '^packages/housekeeping/' },
      to: {
        path: `^packages/(${FEATURES}|runtime)/`,
        pathNot: ['^packages/housekeeping/', '^packages/jobs/'],
      },
    },
    {
      name: 'cli-knows-only-contracts',
      severity: 'error',
      comment:
        'The CLI is installed on its own (npm i -g): of the project it may use only the contracts.',
      from: { path: '^packages/cli/' },
      to: { path: '^(packages|services)/', pathNot: '^packages/(cli|contracts)/' },
    },
    {
      name: 'loading-does-not-know-jobs',
      severity: 'error',
      from: { path: '^packages/loading/' },
      to: { path: '^packages/jobs/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|\\.run|bench-data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types'],
    },
  },
};
