import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createTestTenant } from '../support/tenants.js';
import { e2eSetup, logIn, newPage, noPageErrors, openTools, section, seriousViolations } from './browser.js';

const e2e = e2eSetup();

describe('upgrades in the browser', () => {
  test(
    'a Copy upgrade requested with the validation number moves through the history to Done; the copy opens and its mail is in the Outbox',
    { timeout: 360_000 },
    async () => {
      const db = await createTestTenant(e2e.app, {
        prefix: 'e2e-upg',
        metabase: { subcode: `M${randomBytes(5).toString('hex')}` },
      });
      const { page, context, errors } = await newPage(e2e.browser);
      await logIn(page, 'saas-office');
      await openTools(page, db.name);
      const request = section(page, 'Upgrade Request');
      await request.getByLabel('Target version').selectOption('18.0');
      await request.getByLabel('Mode').selectOption('copy');
      const recipient = `upgrade+${db.name}@example.com`;
      await request.getByLabel('E-mail address (optional)').fill(recipient);
      const number = await request.locator('.hint strong.mono').innerText();
      await request.getByLabel('Validation number').fill(number);
      await request.getByRole('button', { name: 'Request the upgrade' }).click();
      // The request's state shows where it was made, without scrolling to the history.
      await expect
        .poll(() => request.getByRole('status').filter({ hasText: 'Latest request #' }).innerText(), {
          timeout: 30_000,
        })
        .toMatch(/Latest request #\d+: \w+ — Copy to 18\.0, requested \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

      // The history shows the request and its states as they move, to Done.
      const history = section(page, 'Upgrade Requests History');
      const row = history.locator('tbody tr').first();
      const seen = new Set<string>();
      await expect
        .poll(
          async () => {
            await page.reload();
            const state = await section(page, 'Upgrade Requests History')
              .locator('tbody tr')
              .first()
              .locator('.upgrade-state')
              .innerText()
              .catch(() => '');
            if (state) seen.add(state);
            return state;
          },
          { timeout: 240_000, interval: 1000 },
        )
        .toBe('Done');
      expect(seen.size).toBeGreaterThan(1);
      expect(await row.innerText()).toContain(recipient);
      expect(await row.getByRole('link', { name: /on the upgrade platform/ }).count()).toBe(1);
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: 'docs/screenshots/upgrades.png', fullPage: true });

      // The upgraded copy's own Tools page.
      await row.getByRole('link', { name: new RegExp(`^${db.name}-upgraded-`) }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`${db.name}-upgraded-`) }).waitFor();
      // It runs the highest version of the catalog: nothing to upgrade it to.
      await expect
        .poll(() => section(page, 'Upgrade Request').innerText(), { timeout: 30_000 })
        .toContain('No higher version available at this time.');

      // The Outbox has the mail with the copy's link.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' }).click();
      const subject = `Your test upgrade of ${db.name} to Odoo 18.0 is ready`;
      const mail = page.locator('tbody tr', { hasText: subject });
      await mail.waitFor();
      expect(await mail.innerText()).toContain(recipient);
      noPageErrors(errors);
      await context.close();
    },
  );
});
