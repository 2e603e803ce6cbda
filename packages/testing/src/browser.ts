import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's `chromium` package (scripts/test.sh installs it): playwright downloads no browser here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless Chromium for end-to-end tests of the dashboard and for its screenshots. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // No sandbox: CI runs as root. No network of its own: everything comes from the gateway.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const WEB = join(__dirname, '..', '..', '..', 'web');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The dashboard's build (web/dist), built first when missing or older than its sources,
 * so a test never drives a stale page. `npm run build` makes the same build.
 */
export function ensureDashboardBuild(): string {
  const dist = join(WEB, 'dist');
  const index = join(dist, 'index.html');
  const sources = Math.max(
    newestMtime(join(WEB, 'src')),
    statSync(join(WEB, 'index.html')).mtimeMs,
  );
  if (!existsSync(index) || statSync(index).mtimeMs < sources) {
    execFileSync(process.execPath, [join(WEB, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
      cwd: WEB,
      stdio: 'ignore',
      timeout: 120_000,
    });
  }
  return dist;
}
