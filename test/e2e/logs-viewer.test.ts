import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatRecord, type LogRecord } from '../../src/logs/format.js';
import { LIVE_FILE } from '../../src/logs/layout.js';
import { WatchedFile } from '../../src/logs/watched-file.js';
import { embeddedServer } from '../support/tenants.js';
import { e2eSetup, logIn, newPage, noPageErrors, openTools, section, seriousViolations } from './browser.js';

const e2e = e2eSetup();

/** Appends records to the embedded server's live log, the way Odoo does. */
async function writeLog(records: Omit<LogRecord, 'time' | 'pid'>[]): Promise<void> {
  const server = await embeddedServer(e2e.app);
  const file = new WatchedFile(path.join(server.log_dir, LIVE_FILE));
  await file.append(records.map((r) => formatRecord({ time: new Date(), pid: 4242, ...r })).join(''));
  await file.close();
}

describe('the technical logs viewer', () => {
  test('opens from the Tools page, shows a line written after it opened live, pauses, filters by level and text, follows a permalink, axe clean', async () => {
    const marker = `marker-${Date.now()}`;
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'technical');
    await openTools(page, 'acme-bakery');
    const logs = section(page, 'Odoo Technical Logs');
    await logs.getByRole('link', { name: 'View Logs' }).click();
    await page.getByRole('heading', { name: 'Technical logs of local', level: 1 }).waitFor();
    // The database filter defaults to the database whose page we came from.
    expect(await page.getByLabel('Database').inputValue()).toBe('acme-bakery');
    await page.getByText('Following the live log…').waitFor();

    // Live: a line written now appears within a second; another database's line does not.
    const written = Date.now();
    await writeLog([
      { level: 'INFO', db: 'northwind-coffee', logger: 'odoo.modules.registry', message: `${marker} elsewhere` },
      { level: 'ERROR', db: 'acme-bakery', logger: 'odoo.http', message: `${marker} live error`, traceback: ['Traceback (most recent call last):', 'ValueError: boom'] },
    ]);
    const box = page.getByLabel('Log lines');
    await box.getByText(`${marker} live error`).waitFor({ timeout: 5_000 });
    expect(Date.now() - written).toBeLessThan(1_000 + 300);
    await expect.poll(() => box.innerText()).toContain('ValueError: boom');
    expect(await box.innerText()).not.toContain(`${marker} elsewhere`);
    expect(await box.locator('li.level-error').count()).toBeGreaterThanOrEqual(3);
    // Following under the database filter alone: no line is marked as a hit (all of them would be).
    expect(await box.locator('li.hit').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    // Pause: new lines wait, Resume shows them.
    await page.getByRole('button', { name: 'Pause' }).click();
    await writeLog([{ level: 'WARNING', db: 'acme-bakery', logger: 'odoo.models', message: `${marker} while paused` }]);
    await page.getByRole('button', { name: 'Resume (1 new)' }).waitFor();
    expect(await box.innerText()).not.toContain(`${marker} while paused`);
    await page.getByRole('button', { name: /^Resume/ }).click();
    await box.getByText(`${marker} while paused`).waitFor();

    // Search by level and text.
    await page.getByRole('checkbox', { name: 'ERROR' }).check();
    await page.getByLabel('Text', { exact: true }).fill(marker);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('heading', { name: 'Search results' }).waitFor();
    // One entry matched; its traceback lines are shown with it but are not counted as matches.
    await page.getByText('1 matching entry, 3 lines shown with their context.').waitFor();
    const results = box.locator('li');
    expect(await results.count()).toBe(3);
    expect(await box.innerText()).not.toContain('while paused');
    expect(await box.locator('li.level-error.hit').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    // Permalink to the hit line: the URL names the file and the line, and opens on it.
    const hit = box.locator('li.hit');
    const n = await hit.getAttribute('data-n');
    await hit.getByRole('link').click();
    await expect.poll(() => page.url()).toContain(`file=odoo.log&line=${n}`);
    await page.getByRole('heading', { name: `Line ${n} of odoo.log` }).waitFor();
    const permalinkUrl = page.url();
    await page.goto('about:blank');
    await page.goto(permalinkUrl);
    const target = page.locator('li[aria-current="true"]');
    await target.waitFor();
    expect(await target.innerText()).toContain(`${marker} live error`);
    noPageErrors(errors);
    await context.close();
  });

  test('a level below technical support has no logs section and the viewer says so', async () => {
    const { page, context } = await newPage(e2e.browser);
    await logIn(page, 'functional');
    await openTools(page, 'acme-bakery');
    expect(await section(page, 'Odoo Technical Logs').count()).toBe(0);
    await page.goto(page.url() + '/logs');
    await page.getByText('Your level does not give access to technical logs.').waitFor();
    await context.close();
  });
});
