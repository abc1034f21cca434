import { describe, expect, test } from 'vitest';
import { demoDatabases } from '../../src/demo/catalog.js';
import { createTestTenant } from '../support/tenants.js';
import { e2eSetup, logIn, newPage, noPageErrors, openTools, section } from './browser.js';

const e2e = e2eSetup();

/** The users of acme-bakery, which createTestTenant copies: emily (base.user_admin) and olivia are administrators. */
function acmeUsers() {
  return demoDatabases(e2e.app.now()).find((d) => d.metabase.name === 'acme-bakery')!.tenant.users;
}

describe('tenant operations in the browser', () => {
  test('impersonating a user needs a reason, gives a login link, shows the banner until Stop', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-imp' });
    const target = acmeUsers().find((u) => !u.admin && !u.share && u.active && u.password !== null)!;
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'saas-office');
    await openTools(page, db.name);
    const tool = section(page, 'User Impersonation');
    expect(await tool.locator('tbody').innerText()).toContain(target.login);
    expect(await page.getByRole('region', { name: 'Impersonation in progress' }).count()).toBe(0);

    await tool.getByLabel('User').selectOption({ label: `${target.name} (${target.login})` });
    // No reason: the server refuses, inline.
    await tool.getByRole('button', { name: 'Impersonate' }).click();
    await expect.poll(() => tool.getByRole('alert').innerText()).toMatch(/reason/i);
    expect(await page.getByRole('region', { name: 'Impersonation in progress' }).count()).toBe(0);

    await tool.getByLabel('User').selectOption({ label: `${target.name} (${target.login})` });
    await tool.getByLabel('Reason').fill('Customer reports the invoice menu is missing (ticket 4242)');
    await tool.getByRole('button', { name: 'Impersonate' }).click();
    const banner = page.getByRole('region', { name: 'Impersonation in progress' });
    await expect.poll(() => banner.innerText()).toContain(`You are currently impersonating: ${target.name} (${target.login})`);
    // The banner comes before the sections, near the top of the page.
    expect(await page.locator('.banner.impersonating ~ .tools-grid').count()).toBe(1);
    const link = await tool.getByLabel('Login link').inputValue();
    expect(link).toMatch(/token=/);
    const open = tool.getByRole('link', { name: 'Open in a new tab' });
    expect(await open.getAttribute('target')).toBe('_blank');
    expect(await open.getAttribute('rel')).toContain('noopener');
    expect(await open.getAttribute('href')).toBe(new URL(link).href);

    await banner.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    expect(await tool.getByLabel('Login link').count()).toBe(0);
    const history = section(page, 'Support Operations History');
    await expect.poll(() => history.locator('tbody tr').first().innerText()).toMatch(/saas-office\s+stop-impersonation[\s\S]*success/);
    expect(await history.locator('tbody').innerText()).toMatch(/impersonate\s+user: \d+, reason: Customer reports/);
    noPageErrors(errors);
    await context.close();
  });

  test('reset admin rights puts an administrator who lost Settings back into it', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-admin' });
    const admin = acmeUsers()[0];
    const inSettings = () =>
      e2e.app.tenants.withTenant(db, async (c) => {
        const { rows } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM res_groups_users_rel r JOIN res_users u ON u.id = r.uid
            WHERE u.login = $1 AND r.gid = (SELECT res_id FROM ir_model_data
                                             WHERE module = 'base' AND name = 'group_system' AND model = 'res.groups')`,
          [admin.login],
        );
        return rows[0].n;
      });
    await e2e.app.tenants.withTenant(db, (c) =>
      c.query(
        `DELETE FROM res_groups_users_rel
          WHERE uid = (SELECT id FROM res_users WHERE login = $1)
            AND gid = (SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'group_system' AND model = 'res.groups')`,
        [admin.login],
      ),
    );
    expect(await inSettings()).toBe(0);

    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'saas-office');
    await openTools(page, db.name);
    const tool = section(page, 'Admin Rights');
    await expect.poll(() => tool.locator('dl.facts').innerText()).toContain('lost the Settings rights');
    expect(await tool.locator('dl.facts').innerText()).toContain(admin.login);
    // The administrator is the default choice.
    expect(await tool.getByLabel('User').locator('option:checked').innerText()).toContain(admin.login);
    await tool.getByRole('button', { name: 'Reset admin rights' }).click();
    await expect.poll(() => tool.locator('dl.facts').innerText()).toMatch(/In Settings\s+yes/);
    expect(await inSettings()).toBe(1);
    noPageErrors(errors);
    await context.close();
  });

  test('linking an admin to their central account, then unlinking the last linked admin is refused inline', async () => {
    const db = await createTestTenant(e2e.app, { prefix: 'e2e-link' });
    const admin = acmeUsers()[0];
    const { page, context, errors } = await newPage(e2e.browser);
    await logIn(page, 'infra');
    await openTools(page, db.name);
    const tool = section(page, 'Admin Users and Central Accounts');
    const row = tool.locator('tbody tr', { has: page.getByRole('cell', { name: admin.login, exact: true }) });
    await expect.poll(() => row.innerText()).toContain(`${admin.login} is not linked yet`);

    await row.getByRole('button', { name: 'Link' }).click();
    await expect.poll(() => row.innerText()).toMatch(new RegExp(`${admin.login} is linked to account #\\d+`));
    expect(await row.innerText()).toContain('Last linked administrator');

    await row.getByRole('button', { name: 'Unlink' }).click();
    await expect
      .poll(() => row.getByRole('alert').innerText())
      .toContain(`${admin.login} is the last administrator linked to a central account: link another administrator first.`);
    // Still linked, and the refusal is in the history.
    expect(await row.innerText()).toMatch(/is linked to account #\d+/);
    const history = section(page, 'Support Operations History');
    await expect.poll(() => history.locator('tbody tr').first().innerText()).toMatch(/infra\s+unlink-admin[\s\S]*failure/);
    noPageErrors(errors);
    await context.close();
  });
});
