import { describe, expect, test } from 'vitest';
import { demoDatabases } from '../../src/demo/catalog.js';
import { DEMO_PASSWORD } from '../support/env.js';
import { createTestTenant } from '../support/tenants.js';
import {
  dayFromToday,
  e2eSetup,
  logIn,
  newPage,
  noPageErrors,
  openTools,
  section,
  seriousViolations,
  url,
} from './browser.js';

const e2e = e2eSetup();

describe('the console is safe and accessible', () => {
  test('hostile tenant and metabase data appear as text and no script runs', async () => {
    const base = demoDatabases(e2e.app.now()).find((d) => d.metabase.name === 'acme-bakery')!;
    const hostileStatus = 'open <b>bold</b><img src=x onerror=alert(2)>';
    const hostileSubcode = '<script>alert(3)</script>';
    const hostileCompany = '<script>alert(1)</script>';
    const hostileLogin = '<img src=x onerror=alert(1)>';
    const db = await createTestTenant(e2e.app, {
      prefix: 'e2e-hostile',
      metabase: { status: hostileStatus, subcode: hostileSubcode },
      tenant: {
        companies: [{ ...base.tenant.companies[0], name: hostileCompany }, ...base.tenant.companies.slice(1)],
        users: [base.tenant.users[0], { ...base.tenant.users[1], login: hostileLogin }, ...base.tenant.users.slice(2)],
      },
    });
    const { page, context, errors } = await newPage(e2e.browser);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await logIn(page, 'technical');
    await page.getByLabel('Search').fill(db.name);
    await expect.poll(() => page.locator('table.results tbody').innerText()).toContain(hostileStatus);
    await openTools(page, db.name);
    const status = section(page, 'Database Status');
    expect(await status.innerText()).toContain(hostileStatus);
    expect(await status.innerText()).toContain(hostileSubcode);
    const metabase = section(page, 'Metabase Information');
    expect(await metabase.innerText()).toContain(hostileSubcode);
    // Tenant data in the tables of the tenant operations, character for character.
    const companies = section(page, 'Companies');
    expect(await companies.getByRole('cell', { name: hostileCompany, exact: true }).count()).toBe(1);
    for (const title of ['User Impersonation', 'Admin Rights', 'Admin Users and Central Accounts']) {
      const users = section(page, title);
      expect(await users.getByRole('cell', { name: hostileLogin, exact: true }).count(), title).toBe(1);
    }
    expect(await section(page, 'Admin Users and Central Accounts').innerText()).toContain(`${hostileLogin} can not be linked`);
    // Nothing was parsed as markup: no element came out of the data.
    expect(await page.locator('img, b, main script').count()).toBe(0);
    await page.waitForTimeout(500);
    expect(dialogs).toEqual([]);
    noPageErrors(errors);
    await context.close();
  });

  test('axe reports no serious or critical violation on the login, search and Tools pages', async () => {
    const { page, context } = await newPage(e2e.browser);
    await page.goto(url('/login'));
    await page.getByLabel('Login').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await logIn(page, 'technical');
    await expect.poll(() => page.locator('table.results tbody tr').count()).toBeGreaterThan(5);
    expect(await seriousViolations(page)).toEqual([]);

    for (const name of ['acme-bakery', 'panaderia-el-sol', 'northwind-coffee']) {
      await openTools(page, name);
      await section(page, 'Metabase Information').waitFor();
      await page.locator('table.history tbody tr').first().waitFor();
      expect(await seriousViolations(page), name).toEqual([]);
    }
    await context.close();
  });

  test('axe reports no serious or critical violation on a Tools page with every tenant operation, as infra', async () => {
    // A paid database with IAP accounts, and an impersonation running: every section, the banner and the link.
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-axe', base: 'smith-partners-law' });
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'infra');
    await openTools(page, db.name);
    const titles = [
      'User Impersonation',
      'Admin Rights',
      'Admin Users and Central Accounts',
      'Security Features',
      'Ping',
      'Companies',
      'IAP Accounts',
    ];
    for (const title of titles) await section(page, title).waitFor();
    await section(page, 'IAP Accounts').getByRole('button', { name: 'Grant IAP credits' }).waitFor();
    const impersonation = section(page, 'User Impersonation');
    await impersonation.getByLabel('Reason').fill('Accessibility check of the Tools page');
    await impersonation.getByRole('button', { name: 'Impersonate' }).click();
    await page.getByRole('region', { name: 'Impersonation in progress' }).waitFor();
    await impersonation.getByLabel('Login link').waitFor();
    await page.locator('table.history tbody tr').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('region', { name: 'Impersonation in progress' }).getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Impersonation in progress' }).count()).toBe(0);
    noPageErrors(errors);
    await context.close();
  });

  test('the whole path works with the keyboard alone', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-keys' });
    const { page, context, errors } = await newPage(e2e.browser);
    const focused = () => page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? `${el.tagName.toLowerCase()}#${el.id}|${el.getAttribute('aria-label') ?? el.textContent?.trim() ?? ''}` : '';
    });
    await page.goto(url('/'));
    // The login field has the focus; Tab to the password; Enter submits.
    await expect.poll(focused).toMatch(/^input#login/);
    await page.keyboard.type('functional');
    await page.keyboard.press('Tab');
    await page.keyboard.type(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Databases', level: 1 }).waitFor();

    // "/" in the search box that already has the focus (as after the login) types nothing: it
    // selects what is there, so the next keys replace it.
    expect(await focused()).toMatch(/^input#q/);
    await page.keyboard.type('bak');
    await page.keyboard.press('/');
    expect(await page.locator('input#q').inputValue()).toBe('bak');
    await page.keyboard.type('acme');
    expect(await page.locator('input#q').inputValue()).toBe('acme');
    await page.locator('input#q').fill('');

    // "/" brings the focus back to the search box from anywhere.
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^select#mode/);
    await page.keyboard.press('/');
    expect(await focused()).toMatch(/^input#q/);
    await page.keyboard.type(db.uuid.slice(0, 13));
    await expect.poll(() => page.locator('table.results tbody tr').count()).toBe(1);
    await expect.poll(() => page.locator('table.results tbody').innerText()).toContain(db.name);
    // ↓ walks into the results, Enter opens.
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toContain(db.name);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: db.name, level: 1 }).waitFor();

    // Tab to the trial's date picker, type a date, Enter submits.
    let reached = false;
    for (let i = 0; i < 60 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)) === 'date';
    }
    expect(reached).toBe(true);
    const until = dayFromToday(12);
    const [y, m, d] = until.split('-');
    await page.keyboard.type(`${m}${d}${y}`);
    await page.keyboard.press('Enter');
    const trial = section(page, 'Trial Expiration');
    await expect.poll(() => trial.locator('dl.facts dd').first().innerText()).toContain(until);

    // Log out is reachable by keyboard too.
    await page.getByRole('button', { name: 'Log out' }).focus();
    await page.keyboard.press('Enter');
    await page.getByLabel('Password').waitFor();
    noPageErrors(errors);
    await context.close();
  });
});
