import {
  ensureDashboardBuild,
  launchChromium,
  peopleFixture,
  useTestSystem,
} from '@ingest/testing';
import type { JobView } from '@ingest/contracts';
import type { Browser, Page } from 'playwright-core';

/** A file of `rows` records where every `every`-th one has a field too many (a reject). */
function raggedCsv(rows: number, every: number): { text: string; rejected: number } {
  const lines = ['id,name,score'];
  let rejected = 0;
  for (let i = 1; i <= rows; i++) {
    if (i % every === 0) {
      lines.push(`${i},name ${i},${i},extra`);
      rejected++;
    } else lines.push(`${i},name ${i},${i * 3}`);
  }
  return { text: lines.join('\n') + '\n', rejected };
}

describe('web dashboard in headless Chromium', () => {
  const ctx = useTestSystem(
    () => Promise.resolve({ GATEWAY_DASHBOARD_DIR: ensureDashboardBuild() }),
    {
      loaders: 1,
      notifier: false,
    },
  );
  let browser: Browser;
  let page: Page;
  let existing: JobView;
  /** Script errors of the page (failed requests it handles, such as a wrong key's 401, are not). */
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const res = await ctx.system.fetch('/v1/jobs/raw?table=existing_people', {
      method: 'PUT',
      body: peopleFixture(50).text,
    });
    expect(res.status).toBe(202);
    existing = await ctx.system.waitForJob(((await res.json()) as JobView).id);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on(
      'console',
      (m) =>
        m.type() === 'error' &&
        !m.text().startsWith('Failed to load resource') &&
        consoleErrors.push(m.text()),
    );
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('serves the page at / with a strict CSP, and leaves the API its JSON 404s', async () => {
    const index = await fetch(`${ctx.system.baseUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await index.text()).toContain('<div id="app">');
    const api = await ctx.system.fetch('/v1/index.html');
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('ROUTE_NOT_FOUND');
    const post = await fetch(`${ctx.system.baseUrl}/`, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses a wrong key, takes the right one from the keyboard, and lists an existing job', async () => {
    await page.goto(`${ctx.system.baseUrl}/`);
    const key = page.getByLabel('API key', { exact: true });
    await key.fill('not-a-key');
    await key.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    await key.fill(ctx.system.apiKey);
    await key.press('Enter');
    const row = page.getByRole('row').filter({ hasText: 'existing_people' });
    await row.waitFor();
    expect(await row.getByText('completed').count()).toBe(1);
    expect(await row.textContent()).toContain('50');
    expect(await row.textContent()).toContain(existing.id.slice(0, 8));
    // The key is kept for the tab: a reload does not ask again.
    await page.reload();
    await row.waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
  });

  it('opens the existing job with its stages, dialect and schema', async () => {
    await page.getByRole('link', { name: 'existing_people' }).first().click();
    await page.getByRole('heading', { level: 1, name: /existing_people/ }).waitFor();
    expect(await page.locator('#rows-loaded').textContent()).toBe('50');
    expect(await page.locator('#stage-loaded').getAttribute('value')).toBe('1');
    expect(await page.getByRole('row', { name: /Delimiter/ }).textContent()).toContain('comma');
    expect(await page.getByRole('table', { name: /Schema/ }).textContent()).toContain('email');
    expect(await page.getByText('No rejected rows.').count()).toBe(1);
    await page.getByRole('link', { name: '← All jobs' }).click();
  });

  it('uploads a dropped file with a progress bar, follows the job live to completion, and pages its rejects', async () => {
    const { text, rejected } = raggedCsv(3000, 100); // 30 rejects: two pages of 25
    // The file picker fills the table name from the file's name…
    await page.setInputFiles('#file', {
      name: 'picked-file.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('a\n1\n'),
    });
    expect(await page.getByLabel('Table').inputValue()).toBe('picked_file');
    // …and so does a file dropped on the drop zone.
    // (The page's own DataTransfer and File, built from a string: this file has no DOM types.)
    const dataTransfer = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); dt.items.add(new File([${JSON.stringify(text)}], 'Scores 2026.csv', { type: 'text/csv' })); return dt; })()`,
    );
    await page.locator('label.drop').dispatchEvent('drop', { dataTransfer });
    expect(await page.getByLabel('Table').inputValue()).toBe('scores_2026');
    await page.getByLabel('Mode').selectOption('append');
    await page.getByRole('button', { name: 'Upload' }).click();

    // The finished upload opens its job's page, which follows the job to its end.
    await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop() ?? '';
    await page.locator('.status-completed').first().waitFor({ timeout: 60_000 });
    const job = await ctx.system.waitForJob(id);
    // The table in the tenant's own schema.
    expect(job).toMatchObject({ status: 'completed', table: 't_default.scores_2026' });
    expect(job.rows).toEqual({ loaded: 3000 - rejected, rejected });
    expect(job.timings.loading_started_at).not.toBeNull();
    expect(await page.locator('#rows-loaded').textContent()).toBe(
      (3000 - rejected).toLocaleString('en-US'),
    );
    expect(await page.locator('#rows-rejected').textContent()).toBe(String(rejected));
    const loaded = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${job.table}`);
    expect(loaded.rows[0]?.n).toBe(3000 - rejected);
    await page.getByRole('img', { name: /^Rows per second: peak/ }).waitFor();

    // Rejects: 25 on the first page, the other 5 on the next.
    const rejects = page.getByRole('table', { name: /Rejected rows/ });
    await rejects.getByRole('cell', { name: 'TOO_MANY_FIELDS' }).first().waitFor();
    expect(await rejects.locator('tbody tr').count()).toBe(25);
    expect(await rejects.locator('tbody tr').first().textContent()).toContain(
      '100,name 100,100,extra',
    );
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    // Waited for by its content (a string predicate would be eval, which the page's CSP forbids).
    await rejects.locator('tbody tr', { hasText: '3000,name 3000,3000,extra' }).waitFor();
    expect(await rejects.locator('tbody tr').count()).toBe(5);
    expect(await rejects.locator('tbody tr').last().textContent()).toContain(
      '3000,name 3000,3000,extra',
    );

    // The CSV download: the header, then every rejected record as uploaded.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download rejected rows (CSV)' }).click(),
    ]);
    const path = await download.path();
    const { readFile } = await import('node:fs/promises');
    const csv = await readFile(path, 'utf8');
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('id,name,score');
    expect(lines).toHaveLength(rejected + 1);
    expect(consoleErrors).toEqual([]);
  });
});
