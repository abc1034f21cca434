import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { findDatabase, lockDatabase } from '../../src/metabase/repositories/databases.js';
import { activeJobOf } from '../../src/metabase/repositories/jobs.js';
import { createTestTenant } from '../support/tenants.js';
import {
  e2eSetup,
  logIn,
  newPage,
  noPageErrors,
  openTools,
  section,
  seriousViolations,
} from './browser.js';

const e2e = e2eSetup();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the Tools page shows for a date: UTC, to the minute. */
const shown = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '—');

function bar(page: Page) {
  return section(page, 'Duplicate').getByRole('progressbar');
}

/**
 * Holds the metabase row of a duplicate being created, as soon as the operation has reserved it:
 * the job's last step (which locks that row to activate the copy) waits until `release()`, so the
 * browser can see the job mid-way however fast the copy is.
 */
function holdDuplicateRow(target: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let held!: (state: string) => void;
  const heldState = new Promise<string>((r) => (held = r));
  const done = (async () => {
    const deadline = Date.now() + 30_000;
    while (!(await findDatabase(e2e.app.metabase, target))) {
      if (Date.now() > deadline) throw new Error(`no row ${target}`);
      await sleep(5);
    }
    await e2e.app.metabase.transaction().execute(async (tx) => {
      const row = await lockDatabase(tx, target);
      held(row!.state);
      await released;
    });
  })();
  return { heldState, release, done };
}

describe('database lifecycle in the browser', () => {
  test('a duplicate made from the Tools page shows its progress to 100 % across a refresh, then is dropped with the validation number and undropped', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-dup' });
    const target = `${db.name}-copy`;
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'technical');
    await openTools(page, db.name);
    const tool = section(page, 'Duplicate');
    await expect
      .poll(() => tool.locator('.unavailability').innerText())
      .toMatch(/unavailable for about \d+ s/);
    expect(await tool.locator('.facts').innerText()).toMatch(/Duplicates counted\s+0 of 3/);

    const hold = holdDuplicateRow(target);
    try {
      await tool.getByLabel('Name of the copy').fill(target);
      await tool.getByRole('button', { name: 'Duplicate', exact: true }).click();
      await bar(page).waitFor();
      // The job cannot finish while the test holds the copy's row: it is still being created.
      expect(await hold.heldState).toBe('creating');
      await expect
        .poll(() => bar(page).getAttribute('aria-valuetext'))
        .toMatch(/^\d+ %, (Copying|Linking|Neutralizing|Making)/);
      await expect
        .poll(() => bar(page).getAttribute('aria-valuetext'), { timeout: 30_000 })
        .toBe('95 %, Making the copy available');

      // A refresh mid-way: the page model's running job brings the bar back, at the same step.
      await page.reload();
      await page.getByText('Current support level:').waitFor();
      await expect
        .poll(() => bar(page).getAttribute('aria-valuetext'), { timeout: 10_000 })
        .toBe('95 %, Making the copy available');
      expect(await tool.getByRole('button', { name: 'Duplicate', exact: true }).count()).toBe(0);
      expect(await tool.locator('table.duplicates tbody').innerText()).toMatch(
        new RegExp(`${target}\\s+being created`),
      );
      const running = await activeJobOf(e2e.app.metabase, db.name);
      expect(running?.kind).toBe('duplicate');
    } finally {
      hold.release();
      await hold.done;
    }
    await expect.poll(() => bar(page).getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe('100');
    await expect.poll(() => tool.innerText()).toContain(`The duplicate ${target} is ready.`);
    // The page model was refreshed at the end: the copy is listed with a link and a countdown of about 4 hours.
    const link = tool.locator('table.duplicates').getByRole('link', { name: target });
    await link.waitFor();
    expect(await tool.locator('table.duplicates tbody tr').innerText()).toMatch(
      /trial[\s\S]*3 h 5\d min \d\d s left/,
    );
    expect(await tool.locator('.facts').innerText()).toMatch(/Duplicates counted\s+1 of 3/);
    expect(await tool.getByRole('button', { name: 'Duplicate', exact: true }).isEnabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    // The duplicate's own page, from the list; its life extended within the level's limit.
    await link.click();
    await page.getByRole('heading', { name: target, level: 1 }).waitFor();
    const own = section(page, 'Duplicate');
    await expect.poll(() => own.innerText()).toContain(`This database is a duplicate`);
    expect(await own.getByRole('link', { name: db.name }).count()).toBe(1);
    await own.getByLabel('Keep it until').selectOption({ index: 1 });
    const chosen = await own.getByLabel('Keep it until').inputValue();
    await own.getByRole('button', { name: 'Extend the duplicate' }).click();
    await expect
      .poll(async () => (await findDatabase(e2e.app.metabase, target))?.expire_date?.toISOString())
      .toBe(chosen);
    await expect.poll(() => own.locator('.this-duplicate').innerText()).toContain(shown(new Date(chosen)));

    // Drop it with the validation number the page shows, through the confirmation.
    const drop = section(page, 'Drop');
    const number = await drop.locator('.hint strong.mono').innerText();
    expect(number).toMatch(/^\d+$/);
    await drop.getByLabel('Validation number').fill(number);
    await drop.getByRole('button', { name: 'Drop', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Drop the database' }).click();
    const banner = page.getByRole('region', { name: 'Drop mode' });
    await banner.waitFor({ timeout: 30_000 });
    const dropped = await findDatabase(e2e.app.metabase, target);
    expect(dropped?.mode).toBe('drop');
    await expect
      .poll(() => banner.innerText())
      .toContain(`will be removed on ${shown(dropped!.expire_date)}`);
    // The section shows the removal date once the drop job has ended.
    await expect.poll(() => drop.innerText(), { timeout: 30_000 }).toContain(shown(dropped!.expire_date));

    // Undrop from the banner: a duplicate comes back for 4 hours, without the one-app-free choice.
    expect(await banner.getByRole('checkbox').count()).toBe(0);
    await banner.getByRole('button', { name: 'Undrop' }).click();
    await expect.poll(() => banner.count(), { timeout: 10_000 }).toBe(0);
    const back = await findDatabase(e2e.app.metabase, target);
    expect(back?.mode).toBe('trial');
    expect(back!.expire_date!.getTime() - Date.now()).toBeGreaterThan(3.9 * 3_600_000);
    const history = section(page, 'Support Operations History');
    await expect
      .poll(() => history.locator('tbody tr').first().innerText())
      .toMatch(/technical\s+undrop[\s\S]*success/);
    noPageErrors(errors);
    await context.close();
  });

  test('a wrong validation number is refused inline; undropping a customer database can make it one-app free', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-drop' });
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'functional');
    await openTools(page, db.name);
    const drop = section(page, 'Drop');
    const number = await drop.locator('.hint strong.mono').innerText();
    await drop
      .getByLabel('Validation number')
      .fill(String((Number(number) + 1) % 1_000_000).padStart(number.length, '0'));
    await drop.getByRole('button', { name: 'Drop', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Drop the database' }).click();
    await expect.poll(() => drop.getByRole('alert').innerText()).toMatch(/validation number/i);
    expect((await findDatabase(e2e.app.metabase, db.name))?.mode).toBe('trial');

    await drop.getByLabel('Validation number').fill(number);
    await drop.getByRole('button', { name: 'Drop', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Drop the database' }).click();
    await page.getByRole('region', { name: 'Drop mode' }).waitFor({ timeout: 30_000 });
    await expect
      .poll(() => drop.getByRole('progressbar').getAttribute('aria-valuenow'), { timeout: 30_000 })
      .toBe('100');

    await drop.getByLabel('One-app free instead of a 15-day trial').check();
    await drop.getByRole('button', { name: 'Undrop' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Drop mode' }).count(), { timeout: 10_000 }).toBe(0);
    const back = (await findDatabase(e2e.app.metabase, db.name))!;
    expect(back.mode).toBe('trial');
    expect(back.extra_apps).toBe(false);
    expect(back.expire_date!.getTime() - Date.now()).toBeGreaterThan(80 * 86_400_000);
    await expect.poll(() => drop.getByRole('button', { name: 'Drop', exact: true }).isEnabled()).toBe(true);
    noPageErrors(errors);
    await context.close();
  });

  test('saas-office locks a database with a reason: the banner shows it and actions are disabled until unlock', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-lock' });
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'saas-office');
    await openTools(page, db.name);
    const lock = section(page, 'Maintenance Lock');
    const extend = section(page, 'Trial Expiration').getByRole('button', { name: 'Extend the trial' });
    expect(await extend.isEnabled()).toBe(true);
    await lock.getByLabel('Reason').fill('Migration to 18.0 in progress (ticket 5151)');
    await lock.getByRole('button', { name: 'Lock' }).click();

    const banner = page.getByRole('region', { name: 'Database Locked' });
    await expect.poll(() => banner.innerText()).toContain('maintenance');
    expect(await banner.innerText()).toContain('Reason: Migration to 18.0 in progress (ticket 5151)');
    expect(await extend.isDisabled()).toBe(true);
    const duplicate = section(page, 'Duplicate');
    expect(await duplicate.getByRole('button', { name: 'Duplicate', exact: true }).isDisabled()).toBe(true);
    expect(await duplicate.innerText()).toContain('Not possible. The database is locked (maintenance).');
    expect(await section(page, 'Drop').getByRole('button', { name: 'Drop', exact: true }).isDisabled()).toBe(
      true,
    );
    expect((await findDatabase(e2e.app.metabase, db.name))?.status).toBe('maintenance');
    expect(await seriousViolations(page)).toEqual([]);

    await lock.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    await expect.poll(() => extend.isEnabled()).toBe(true);
    expect((await findDatabase(e2e.app.metabase, db.name))?.status).toBe(db.status);
    noPageErrors(errors);
    await context.close();
  });
});
