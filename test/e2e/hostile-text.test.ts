import { describe, expect, test } from 'vitest';
import { demoDatabases } from '../../src/demo/catalog.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { createTestTenant } from '../support/tenants.js';
import { e2eSetup, logIn, newPage, noPageErrors, openTools, section, seriousViolations } from './browser.js';

const e2e = e2eSetup();

/** 10,000 characters without a space: the widest Latin letter, so an unbroken run shows at its worst. */
const LONG_COMPANY = 'Company' + 'W'.repeat(10_000 - 'Company'.length);
const LONG_NAME = 'Name' + 'M'.repeat(10_000 - 'Name'.length);
const LONG_LOGIN = 'login' + 'W'.repeat(10_000 - 'login@long.example'.length) + '@long.example';
/** A right-to-left override: displayed as is, "Invoice‮fdp.exe" reads "Invoiceexe.pdf". */
const RLO_COMPANY = 'Invoice\u202Efdp.exe Ltd';
const RLO_NAME = 'Eve \u202Egnp.tpircs';
const RLO_LOGIN = 'eve\u202Elpmaxe.evil@rtl.example';
const RLO_STATUS = 'open\u202E nepo';
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;

/**
 * A tenant whose companies and users carry 10,000-character names and right-to-left overrides.
 * Odoo's res_users.login is a varchar without a size (fields.Char): the demo schema's limit is
 * lifted on this tenant the way a real database has it.
 */
async function hostileTenant(): Promise<DatabaseRow> {
  const base = demoDatabases(e2e.app.now()).find((d) => d.metabase.name === 'acme-bakery')!;
  const [admin, ...others] = base.tenant.users;
  const db = await createTestTenant(e2e.app, {
    prefix: 'e2e-hostile-text',
    metabase: { status: RLO_STATUS },
    tenant: {
      companies: [
        { name: LONG_COMPANY, currency: 'EUR' },
        { name: RLO_COMPANY, currency: 'USD', parent: 0 },
      ],
      users: [
        admin,
        { ...others[0], login: 'long-login@long.example', name: LONG_NAME, admin: false, company: 0 },
        { ...others[1], login: 'rlo-login@rtl.example', name: RLO_NAME, admin: false, company: 1 },
        ...others.slice(2),
      ],
    },
  });
  await e2e.app.tenants.withTenant(db, async (c) => {
    await c.query('ALTER TABLE res_users ALTER COLUMN login TYPE varchar');
    await c.query(`UPDATE res_users SET login = $1 WHERE login = 'long-login@long.example'`, [LONG_LOGIN]);
    await c.query(`UPDATE res_users SET login = $1 WHERE login = 'rlo-login@rtl.example'`, [RLO_LOGIN]);
  });
  return db;
}

describe('layout that survives any tenant data', () => {
  test('10,000-character and right-to-left-override names never widen the Tools page, show their controls as markers, and keep the full value in the title', async () => {
    const db = await hostileTenant();
    const { page, context, errors } = await newPage(e2e.browser);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await logIn(page, 'infra');
    await openTools(page, db.name);
    const titles = ['User Impersonation', 'Admin Rights', 'Admin Users and Central Accounts', 'Companies'];
    for (const title of titles) await section(page, title).waitFor();
    await section(page, 'User Impersonation').getByRole('button', { name: 'Impersonate' }).waitFor();
    await page.locator('table.history tbody tr').first().waitFor();

    // The page is never wider than the viewport, whatever the data.
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
      widest: Math.max(...[...document.querySelectorAll('main *')].map((e) => e.getBoundingClientRect().right)),
    }));
    console.log(`hostile-text: scrollWidth ${widths.scroll} px, viewport ${widths.viewport} px, widest element right edge ${Math.round(widths.widest)} px`);
    expect(widths.scroll).toBeLessThanOrEqual(widths.viewport);
    expect(widths.widest).toBeLessThanOrEqual(widths.viewport);

    // Every select fits, and no option carries a raw bidi control: they show as markers there too.
    const selects = await page.evaluate(() =>
      [...document.querySelectorAll('select')].map((s) => ({
        right: s.getBoundingClientRect().right,
        options: [...s.options].map((o) => o.text),
      })),
    );
    expect(selects.length).toBeGreaterThan(0);
    for (const s of selects) expect(s.right).toBeLessThanOrEqual(widths.viewport);
    const options = selects.flatMap((s) => s.options);
    expect(options.filter((o) => BIDI_CONTROL.test(o))).toEqual([]);
    expect(options.some((o) => o.includes('Eve ⟪RLO⟫gnp.tpircs'))).toBe(true);
    expect(Math.max(...options.map((o) => o.length))).toBeLessThanOrEqual(80);

    // No text on the page carries a raw control: each is isolated and shown as a visible marker.
    expect(BIDI_CONTROL.test(await page.locator('body').innerText())).toBe(false);
    const companies = section(page, 'Companies');
    const rloCompany = companies.locator('bdi.tenant-text', { hasText: 'Invoice⟪RLO⟫fdp.exe Ltd' }).first();
    await expect.poll(() => rloCompany.isVisible()).toBe(true);
    expect(await rloCompany.locator('.bidi-mark').innerText()).toBe('⟪RLO⟫');
    expect(await rloCompany.getAttribute('title')).toBe('Invoice⟪RLO⟫fdp.exe Ltd');
    const users = section(page, 'Admin Users and Central Accounts');
    expect(await users.innerText()).toContain('eve⟪RLO⟫lpmaxe.evil@rtl.example');
    expect(await users.innerText()).toContain('Eve ⟪RLO⟫gnp.tpircs');
    expect(await section(page, 'Database Status').innerText()).toContain('open⟪RLO⟫ nepo');

    // A long value is clamped in its cell, the full value in its title.
    for (const [title, value] of [
      ['Companies', LONG_COMPANY],
      ['User Impersonation', LONG_NAME],
      ['User Impersonation', LONG_LOGIN],
      ['Admin Users and Central Accounts', LONG_LOGIN],
    ] as const) {
      const box = await section(page, title)
        .locator(`td bdi.tenant-text[title="${value}"]`)
        .first()
        .evaluate((e) => {
          const r = e.getBoundingClientRect();
          return { width: r.width, height: r.height, text: e.textContent?.length ?? 0 };
        });
      expect(box.text, title).toBe(value.length);
      expect(box.height, title).toBeLessThan(80);
      expect(box.width, title).toBeLessThan(widths.viewport / 2);
    }

    // A full-page screenshot works again (it failed on a 154,676 px wide page).
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(0);

    expect(await seriousViolations(page)).toEqual([]);
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    noPageErrors(errors);
    await context.close();
  });

  test('the search page shows a right-to-left-override status as a marker, within the viewport', async () => {
    const db = await hostileTenant();
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'infra');
    await page.getByLabel('Search').fill(db.name);
    await expect.poll(() => page.locator('table.results tbody').innerText()).toContain('open⟪RLO⟫ nepo');
    expect(BIDI_CONTROL.test(await page.locator('body').innerText())).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    noPageErrors(errors);
    await context.close();
  });
});
