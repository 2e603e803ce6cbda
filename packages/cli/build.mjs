// Bundles the CLI and its libraries into one file, dist/csv-ingest.js: the package then needs
// nothing installed beside it (`npm i -g ./packages/cli` links it as it is, `npm pack` ships dist/).
//
//   node packages/cli/build.mjs       (pnpm --filter @ingest/cli build; part of npm run build)
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'csv-ingest.js');

await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log('built packages/cli/dist/csv-ingest.js');
