/**
 * Screenshots of the web dashboard for docs/ (`npm run dashboard:screenshots`): starts the
 * system in this process on a throw-away environment (database, queues, bucket of its own, as
 * the tests do), loads a few files, and photographs the main pages in headless Chromium.
 * Needs the local servers (npm run infra:up) and Debian's chromium.
 *
 *   docs/dashboard-key.png        the key form
 *   docs/dashboard-jobs.png       the jobs list and the upload form
 *   docs/dashboard-job-live.png   a job while it loads (stage bars, ETA, rate so far)
 *   docs/dashboard-job.png        the same job once completed (timings, dialect, schema, rate)
 *   docs/dashboard-rejects.png    a job's rejected rows
 */
import {
  createTestEnvironment,
  ensureDashboardBuild,
  launchChromium,
  peopleFixture,
  startSystem,
  type RunningSystem,
} from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import { join } from 'node:path';

const DOCS = join(__dirname, '..', 'docs');

async function upload(system: RunningSystem, name: string, text: string, query = '') {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/csv' }), name);
  const res = await system.fetch(`/v1/jobs${query}`, { method: 'POST', body: form });
  if (res.status !== 202) throw new Error(`upload of ${name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as JobView).id;
}

function ordersCsv(rows: number): string {
  const lines = ['order_id,customer,amount,ordered_on,paid'];
  for (let i = 1; i <= rows; i++) {
    if (i % 97 === 0) lines.push(`${i},customer ${i},not a number,03/27/2024,yes`);
    else if (i % 131 === 0) lines.push(`${i},customer ${i},12.50`);
    else
      lines.push(
        `${i},customer ${i % 400},${(i % 1000) + 0.25},03/${(i % 28) + 1}/2024,${i % 3 ? 'yes' : 'no'}`,
      );
  }
  return lines.join('\n') + '\n';
}

async function main() {
  const t = await createTestEnvironment({ GATEWAY_DASHBOARD_DIR: ensureDashboardBuild() });
  const system = await startSystem(t.env, { loaders: 1, notifier: false });
  const browser = await launchChromium();
  try {
    const small = await upload(system, 'people.csv', peopleFixture(2_000).text);
    const orders = await upload(system, 'orders-2024.csv', ordersCsv(20_000));
    await system.waitForJob(small);
    await system.waitForJob(orders);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${system.baseUrl}/`);
    await page.getByLabel('API key', { exact: true }).fill(system.apiKey);
    await page.screenshot({ path: join(DOCS, 'dashboard-key.png') });
    await page.getByLabel('API key', { exact: true }).press('Enter');

    // A bigger file in small chunks, so that it is still loading when photographed.
    const big = await upload(
      system,
      'people-big.csv',
      peopleFixture(400_000).text,
      '?chunk_size=1MiB',
    );
    await page.getByRole('row').filter({ hasText: 'people-big.csv' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'orders-2024.csv' }).waitFor();
    await page.screenshot({ path: join(DOCS, 'dashboard-jobs.png'), fullPage: true });

    await page.getByRole('link', { name: 'people-big.csv' }).click();
    await page.locator('.status-loading').waitFor({ timeout: 60_000 });
    await page.getByRole('img', { name: /^Rows per second/ }).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(3000);
    await page.screenshot({ path: join(DOCS, 'dashboard-job-live.png'), fullPage: true });
    await page.locator('.status-completed').waitFor({ timeout: 120_000 });
    await system.waitForJob(big);
    await page.screenshot({ path: join(DOCS, 'dashboard-job.png'), fullPage: true });

    await page.goto(`${system.baseUrl}/#/jobs/${orders}`);
    const rejects = page.getByRole('region', { name: 'Rejected rows' });
    await rejects.getByRole('cell').first().waitFor();
    await rejects.scrollIntoViewIfNeeded();
    await rejects.screenshot({ path: join(DOCS, 'dashboard-rejects.png') });
    console.log('wrote docs/dashboard-{key,jobs,job-live,job,rejects}.png');
  } finally {
    await browser.close();
    await system.stop();
    await t.cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
