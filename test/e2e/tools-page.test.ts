import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { createTestTenant } from '../support/tenants.js';
import { dayFromToday, e2eSetup, logIn, newPage, noPageErrors, openTools, section, url } from './browser.js';

const e2e = e2eSetup();

describe('the Tools page in the browser', () => {
  test('functional finds a trial by a uuid prefix and extends it within the limit; over the limit shows the server’s error', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-extend' });
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'functional');

    await page.getByLabel('Search').fill(db.uuid.slice(0, 13));
    const results = page.locator('table.results tbody tr');
    await expect.poll(() => results.allInnerTexts()).toEqual([expect.stringContaining(db.name)]);
    await page.getByLabel('Search').press('Enter');
    await page.getByRole('heading', { name: db.name, level: 1 }).waitFor();
    await expect.poll(() => page.getByText('Current support level:').innerText()).toContain('Functional Support');

    const trial = section(page, 'Trial Expiration');
    const within = dayFromToday(20);
    await trial.getByLabel('New expiration date').fill(within);
    await trial.getByRole('button', { name: 'Extend the trial' }).click();
    await expect.poll(() => trial.locator('dl.facts dd').first().innerText()).toContain(within);
    const history = section(page, 'Support Operations History');
    await expect
      .poll(() => history.locator('tbody tr').first().innerText())
      .toMatch(new RegExp(`functional\\s+extend-trial\\s+until: ${within}( 23:59 UTC)?\\s+success`));

    await trial.getByLabel('New expiration date').fill(dayFromToday(60));
    await trial.getByRole('button', { name: 'Extend the trial' }).click();
    await expect
      .poll(() => trial.getByRole('alert').innerText())
      .toContain(`Your level allows extending a trial up to ${dayFromToday(30)}`);
    // Refused: the date did not move, and the refusal is in the history.
    await expect.poll(() => trial.locator('dl.facts dd').first().innerText()).toContain(within);
    await expect.poll(() => history.locator('tbody tr').first().innerText()).toMatch(/extend-trial[\s\S]*failure/);
    noPageErrors(errors);
    await context.close();
  });

  test('a viewer sees the status panel and none of the tool sections', async () => {
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'viewer');
    await openTools(page, 'acme-bakery');
    const status = section(page, 'Database Status');
    await expect.poll(() => status.innerText()).toMatch(/sent today out of .*sent today via an external server.*sent in total/);
    expect(await page.locator('[data-tool]').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Trial Expiration' }).count()).toBe(0);
    expect(await page.getByRole('button').filter({ hasNotText: 'Log out' }).count()).toBe(0);
    noPageErrors(errors);
    await context.close();
  });

  test('a locked database shows its banner and its actions are disabled', async () => {
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'functional');
    await openTools(page, 'northwind-coffee');
    const banner = page.getByRole('region', { name: 'Database Locked' });
    await expect.poll(() => banner.innerText()).toContain('maintenance');
    const button = section(page, 'E-mail Limit').getByRole('button', { name: 'Set the daily e-mail limit' });
    expect(await button.isDisabled()).toBe(true);
    expect(await section(page, 'E-mail Limit').getByLabel('E-mails a day').isDisabled()).toBe(true);
    noPageErrors(errors);
    await context.close();
  });

  test('a drop-mode database with a closed subscription says why it cannot be undropped', async () => {
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'functional');
    await openTools(page, 'panaderia-el-sol');
    const banner = page.getByRole('region', { name: 'Drop mode' });
    const text = await banner.innerText();
    expect(text).toMatch(/will be removed on \d{4}-\d{2}-\d{2}/);
    expect(text).toContain('subscription is close');
    expect(text).toContain('must be re-opened');
    expect(text).toContain('20 minutes');
    expect(await banner.getByRole('button').count()).toBe(0);
    noPageErrors(errors);
    await context.close();
  });

  test('an expired session sends the agent back to the login page with a notice', async () => {
    const { page, context } = await newPage(e2e.browser);
    await logIn(page, 'functional');
    await context.clearCookies();
    await page.getByRole('link', { name: 'acme-bakery', exact: true }).click();
    await page.getByLabel('Password').waitFor();
    expect(await page.getByRole('status').innerText()).toContain('session expired');
    await context.close();
  });

  test('the run writes screenshots of the search and Tools pages, and the Tools page is usable fast', async () => {
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'technical');
    await mkdir('docs/screenshots', { recursive: true });
    await page.getByLabel('Search').fill('ba');
    await expect.poll(() => page.locator('table.results tbody tr').count()).toBeGreaterThan(2);
    await page.screenshot({ path: 'docs/screenshots/search.png' });

    // Navigation start → the Trial Expiration form accepts input, on a fresh load of the page.
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      await page.goto(url('/databases/acme-bakery'));
      await section(page, 'Trial Expiration').getByLabel('New expiration date').waitFor({ state: 'visible' });
      await expect.poll(() => section(page, 'Trial Expiration').getByLabel('New expiration date').isEnabled()).toBe(true);
      timings.push(await page.evaluate(() => performance.now()));
    }
    timings.sort((a, b) => a - b);
    const median = timings[2];
    console.log(`Tools page usable (navigation start → form interactive): median ${median.toFixed(0)} ms, runs ${timings.map((t) => t.toFixed(0)).join(', ')} ms`);
    expect(median).toBeLessThan(3000);
    await page.screenshot({ path: 'docs/screenshots/tools.png', fullPage: true });
    noPageErrors(errors);
    await context.close();
  });
});
