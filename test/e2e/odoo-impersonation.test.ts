/**
 * The support login in Chromium, against real Odoo (issue 22). A platform of this file's own (its
 * hosting server runs Odoo 17.0's workers behind nginx, see test/support/odoo-platform.ts) serves
 * the console; Chromium reaches the hosted databases by name (`--host-resolver-rules` sends
 * `*.dbtools.test` to the server's loopback front end). An e2e file, not an integration one: the
 * browser is the point, and it runs with the other browser tests.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontEndOf } from '../../src/frontend/index.js';
import { AgentSession } from '../support/http.js';
import { ODOO_PLATFORM_PASSWORD, odooJsonLogin, odooJsonRpc, startOdooShop, type OdooPlatform } from '../support/odoo-platform.js';
import { REAL_ODOO_REQUIRED, realOdooMissing } from '../support/real-odoo.js';
import { launchBrowser, logIn, newPage, noPageErrors, openTools, section } from './browser.js';

const SERIES = '17.0' as const;
const missing = await realOdooMissing([SERIES]);
if (missing) console.warn(`Real-Odoo browser tests skipped: ${missing}.`);

describe.runIf(missing && REAL_ODOO_REQUIRED)('real Odoo (required here: DBTOOLS_REQUIRE_REAL_ODOO=1)', () => {
  it('is available', () => {
    expect.fail(`Real Odoo is required but ${missing}.`);
  });
});

let odoo: OdooPlatform & { shop: string };
let browser: Browser;
/** An internal user of the shop who is no administrator, made through Odoo itself. */
let clerk: { id: number; login: string; name: string };

/** Where Chromium opens a hosted database: its platform host, over HTTP on the front end's port. */
function odooUrl(database: string, urlPath: string): string {
  return `http://${odoo.hostOf(database)}:${frontEndOf(odoo.server)!.httpPort}${urlPath}`;
}

/** The login link the console shows (`https://<host>/web/login/impersonate?token=…`) at the front end's HTTP port. */
function reachable(link: string): string {
  const url = new URL(link);
  return `http://${url.hostname}:${frontEndOf(odoo.server)!.httpPort}${url.pathname}${url.search}`;
}

const on = () => ({ base: odoo.base, password: ODOO_PLATFORM_PASSWORD });

/** Odoo's own answer on who the page's session is (`/web/session/get_session_info`, from the page itself). */
function sessionOf(page: Page): Promise<{ uid: number | false; username?: string }> {
  return page.evaluate(async () => {
    const res = await fetch('/web/session/get_session_info', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', id: 1, params: {} }),
    });
    const body = (await res.json()) as { result?: { uid: number | false; username?: string }; error?: unknown };
    return body.result ?? { uid: false };
  });
}

describe.skipIf(!!missing)('the support login in Chromium, in real Odoo', () => {
  beforeAll(async () => {
    odoo = await startOdooShop({ tag: 'e2e', series: SERIES, console: true });
    const fe = frontEndOf(odoo.server)!;
    browser = await launchBrowser([`--host-resolver-rules=MAP *.${odoo.app.config.platformZone} ${fe.address}`]);
    // A user made by Odoo (its defaults: an internal user in base.group_user), through Odoo's own JSON-RPC.
    const host = odoo.hostOf(odoo.shop);
    const { uid, cookie } = await retryUntilServing(() => odooJsonLogin(odoo.server, host, odoo.shop, 'admin', 'admin'));
    expect(uid).toBe(2);
    clerk = { login: 'clerk@shop.example', name: 'Clara Clerk', id: 0 };
    const made = await odooJsonRpc(
      odoo.server,
      host,
      '/web/dataset/call_kw/res.users/create',
      { model: 'res.users', method: 'create', args: [{ name: clerk.name, login: clerk.login }], kwargs: {} },
      cookie,
    );
    expect(made.error, JSON.stringify(made.error)).toBeUndefined();
    clerk.id = made.result as number;
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await odoo?.stop();
  }, 120_000);

  it('an agent impersonates a user from the Tools page: the Odoo web client opens as that user with the support banner; Stop ends the session', async () => {
    const agent = await newPage(browser);
    await logIn(agent.page, 'saas-office', on());
    await openTools(agent.page, odoo.shop, odoo.base);
    const tool = section(agent.page, 'User Impersonation');
    await tool.getByLabel('User').selectOption({ label: `${clerk.name} (${clerk.login})` });
    await tool.getByLabel('Reason').fill('ticket 5150');
    await tool.getByRole('button', { name: 'Impersonate' }).click();
    const link = await (async () => {
      await expect.poll(() => tool.getByLabel('Login link').count()).toBe(1);
      return tool.getByLabel('Login link').inputValue();
    })();

    // The customer's side: the link in another browser profile, at the database's own host.
    const customer = await newPage(browser);
    // The web client's first load builds Odoo's asset bundles: minutes on a busy 2-core machine.
    await customer.page.goto(reachable(link), { waitUntil: 'domcontentloaded', timeout: 240_000 });
    await customer.page.waitForURL(/\/(web|odoo)(\?|#|$)/);
    const banner = customer.page.locator('#dbtools_support_banner');
    await expect.poll(() => banner.innerText(), { timeout: 60_000 }).toBe('Signed in by support (Sofia SaaS Office, ticket 5150) — end');
    // The real web client, as that user.
    await customer.page.locator('.o_main_navbar').waitFor({ timeout: 240_000 });
    const who = await sessionOf(customer.page);
    expect(who.uid).toBe(clerk.id);
    expect(who.username).toBe(clerk.login);

    // The agent stops it from the console's banner: the Odoo session is gone.
    const inProgress = agent.page.getByRole('region', { name: 'Impersonation in progress' });
    await inProgress.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => inProgress.count()).toBe(0);
    expect((await sessionOf(customer.page)).uid).toBe(false);
    await customer.page.reload({ waitUntil: 'domcontentloaded', timeout: 120_000 });
    await customer.page.waitForURL(/\/web\/login/);
    expect(await customer.page.locator('form.oe_login_form').count()).toBe(1);
    expect(await banner.count()).toBe(0);
    noPageErrors(agent.errors);
    await agent.context.close();
    await customer.context.close();
  }, 600_000);

  it('a level-3 agent is not offered the administrator, and is refused at use when trying', async () => {
    const { page, context, errors } = await newPage(browser);
    await logIn(page, 'technical', on());
    await openTools(page, odoo.shop, odoo.base);
    const tool = section(page, 'User Impersonation');
    await expect.poll(() => tool.innerText()).toContain('Administrators are not in the list below: your level cannot impersonate them.');
    const options = await tool.getByLabel('User').locator('option').allInnerTexts();
    expect(options.join('\n')).toContain(clerk.login);
    expect(options.join('\n')).not.toMatch(/\(admin\)/);
    // Asked anyway (the API, as a script would): the platform checks the level when it is used.
    const technical = await AgentSession.login('technical', ODOO_PLATFORM_PASSWORD, odoo.base);
    const refused = await technical.run(odoo.shop, 'impersonate', { user: 2, reason: 'trying the administrator' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/administrator of the database/);
    noPageErrors(errors);
    await context.close();
  }, 120_000);

  it("a duplicate made from the Tools page opens in real Odoo with Odoo's neutralization banner", async () => {
    const { page, context, errors } = await newPage(browser);
    await logIn(page, 'functional', on());
    await openTools(page, odoo.shop, odoo.base);
    const tool = section(page, 'Duplicate');
    await tool.getByRole('button', { name: 'Duplicate' }).click();
    const copy = `${odoo.shop}-dup-1`;
    await expect.poll(() => tool.innerText(), { timeout: 180_000 }).toContain(copy);
    const odooPage = await context.newPage();
    await expect
      .poll(
        async () => {
          await odooPage.goto(odooUrl(copy, '/web/login'));
          return odooPage.locator('form.oe_login_form').count();
        },
        { timeout: 120_000 },
      )
      .toBe(1);
    const neutralized = odooPage.locator('#oe_neutralize_banner');
    expect(await neutralized.isVisible()).toBe(true);
    expect(await neutralized.innerText()).toMatch(/neutralized/i);
    // The source is not.
    await odooPage.goto(odooUrl(odoo.shop, '/web/login'));
    expect(await odooPage.locator('#oe_neutralize_banner').count()).toBe(0);
    noPageErrors(errors);
    await context.close();
  }, 360_000);
});

/** Odoo's worker takes a few seconds to listen after the platform starts it. */
async function retryUntilServing<T>(fn: () => Promise<T>, ms = 120_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
