import { describe, expect, test } from 'vitest';
import { e2eSetup, logIn, newPage, noPageErrors, seriousViolations, url } from './browser.js';

const e2e = e2eSetup();

describe('the Servers page', () => {
  test('helpdesk opens it from the navigation with the keyboard: both servers healthy in words, a disk bar each, databases linking to the search filtered by server, axe clean', async () => {
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'helpdesk');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Servers' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Hosting servers', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Hosting servers, their load and health' });
    for (const name of ['local', 'local2']) {
      const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
      await row.getByText('Healthy', { exact: true }).waitFor();
      const meter = row.getByRole('meter', { name: `Disk of ${name}` });
      const share = Number(await meter.getAttribute('aria-valuenow'));
      expect(share).toBeGreaterThan(0);
      expect(share).toBeLessThanOrEqual(100);
      expect(await meter.getAttribute('aria-valuetext')).toMatch(/used, .* free/);
      // The front ends share their ports: the loopback address is what tells them apart.
      const address = name === 'local' ? '127.0.0.1' : '127.0.0.2';
      expect(await row.innerText()).toMatch(
        new RegExp(`${address.replaceAll('.', '\\.')} · http \\d+ · https \\d+`),
      );
    }
    expect(await seriousViolations(page)).toEqual([]);

    // The databases count of local2 opens the search on local2's databases, the filter set to it.
    const link = table.getByRole('link', { name: /databases on local2$/ });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Databases', level: 1 }).waitFor();
    expect(await page.getByLabel('Server').inputValue()).toBe('local2');
    await page.getByRole('link', { name: 'hope-for-water' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'acme-bakery', exact: true }).count()).toBe(0);
    noPageErrors(errors);
    await context.close();
  });

  test('the search page’s server filter is a list of the hosting servers; choosing one filters the results', async () => {
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'functional');
    const filter = page.getByLabel('Server');
    await filter.locator('option', { hasText: 'local2' }).waitFor({ state: 'attached' });
    expect(await filter.locator('option').allInnerTexts()).toEqual(
      expect.arrayContaining(['Any', 'local', 'local2']),
    );
    await filter.selectOption('local');
    await page.waitForURL(/server=local(&|$)/);
    await page.getByRole('link', { name: 'acme-bakery', exact: true }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'hope-for-water' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    noPageErrors(errors);
    await context.close();
  });

  test('a viewer has no Servers link and the page answers that the level is too low', async () => {
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'viewer');
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Servers' }).count(),
    ).toBe(0);
    await page.goto(url('/servers'));
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('row').count()).toBe(1); // the header only
    noPageErrors(errors);
    await context.close();
  });
});
