import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDemoAcme, type DemoAcmeRunning } from '../../src/demo/acme.js';
import { publishPlatformHosts, setDemoRecord } from '../../src/domains/demo-dns.js';
import { saveDemoAcme } from '../../src/domains/settings.js';
import { databaseHost } from '../../src/frontend/index.js';
import { createTestTenant, embeddedServer } from '../support/tenants.js';
import { e2eSetup, logIn, newPage, noPageErrors, openTools, section, seriousViolations } from './browser.js';

const e2e = e2eSetup();
let acme: DemoAcmeRunning;

beforeAll(async () => {
  acme = (await startDemoAcme(e2e.app, await embeddedServer(e2e.app)))!;
});
afterAll(async () => {
  await acme?.stop();
  await saveDemoAcme(e2e.app, null);
});

describe('custom domains in the browser', () => {
  test('add a domain, see DNS pending with the record to add, set the record, see it active, run Diagnostics; axe clean', async () => {
    expect(acme, 'pebble and pebble-challtestsrv run here').toBeTruthy();
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-dom' });
    await publishPlatformHosts(e2e.app);
    const target = databaseHost(db.name, e2e.app.config.platformZone);
    const domain = `www.e2e-${process.pid}.shop.test`;
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'functional');
    await openTools(page, db.name);
    const tool = section(page, 'Custom Domains');
    await expect.poll(() => tool.innerText()).toContain('No custom domain.');

    await tool.getByLabel('Domain').fill(domain);
    await tool.getByRole('button', { name: 'Add a domain' }).click();
    const detail = tool.getByRole('region', { name: `Domain ${domain}` });
    await expect.poll(() => detail.innerText(), { timeout: 30_000 }).toContain('no record');
    expect(await tool.locator('tbody').innerText()).toContain('pending: no record yet');
    expect(await detail.innerText()).toContain(`${domain}. CNAME ${target}.`);
    expect(await seriousViolations(page)).toEqual([]);

    // The customer adds the record (the demo DNS); the agent checks again.
    await setDemoRecord(acme.settings.dnsManagementUrl, domain, 'CNAME', target);
    await detail.getByRole('button', { name: 'Check and retry now' }).click();
    await expect
      .poll(() => tool.locator('tbody').innerText(), { timeout: 90_000, interval: 1_000 })
      .toMatch(/\bok\b[\s\S]*\bactive\b/);

    await detail.getByRole('button', { name: 'Diagnostics' }).click();
    await expect
      .poll(() => detail.innerText(), { timeout: 30_000 })
      .toContain('Verdict: Everything is in order');
    expect(await detail.innerText()).toContain('for information only');
    expect(await detail.locator('table tbody tr').count()).toBe(4);
    // All is fine: good news in green, nothing to retry, no warning to investigate, no double full stop.
    expect(await detail.locator('p.success', { hasText: 'Verdict:' }).count()).toBe(1);
    expect(await detail.locator('p.notice').count()).toBe(0);
    expect(await detail.getByRole('button', { name: 'Check and retry now' }).count()).toBe(0);
    expect(await tool.innerText()).not.toContain('Investigate before trying again');
    expect(await detail.innerText()).not.toMatch(/\.\./);
    // Its actions are styled buttons on one row, under a separator from the block above.
    const diagnostics = detail.getByRole('button', { name: 'Diagnostics' });
    expect(await diagnostics.getAttribute('class')).toContain('button');
    expect(await detail.evaluate((el) => getComputedStyle(el).borderTopStyle)).toBe('solid');
    expect(await seriousViolations(page)).toEqual([]);
    noPageErrors(errors);
    await context.close();
  });
});
