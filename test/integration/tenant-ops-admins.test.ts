import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { DemoUser } from '../../src/demo/catalog.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { AgentSession } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let functional: AgentSession;

beforeAll(async () => {
  app = await connectTestApp();
  functional = await AgentSession.login('functional');
});
afterAll(() => app.close());

/** The xml ids of the base groups a user is in, found through ir_model_data. */
async function baseGroupsOf(db: DatabaseRow, uid: number): Promise<string[]> {
  return app.tenants.withTenant(db, async (c) => {
    const { rows } = await c.query<{ name: string }>(
      `SELECT d.name FROM res_groups_users_rel r JOIN ir_model_data d ON d.model = 'res.groups' AND d.res_id = r.gid
        WHERE r.uid = $1 AND d.module = 'base' ORDER BY d.name`,
      [uid],
    );
    return rows.map((r) => r.name);
  });
}

async function userId(db: DatabaseRow, login: string): Promise<number> {
  return app.tenants.withTenant(
    db,
    async (c) =>
      (await c.query<{ id: number }>('SELECT id FROM res_users WHERE login = $1', [login])).rows[0].id,
  );
}

const user = (login: string, extra: Partial<DemoUser> = {}): DemoUser => ({
  login,
  name: login.split('@')[0],
  admin: false,
  share: false,
  active: true,
  lastLoginDaysAgo: 1,
  ...extra,
});

async function adminsOf(db: DatabaseRow) {
  const page = await functional.get(`/api/databases/${db.name}`);
  return page.body.tools.oauth_admin.admins as {
    id: number;
    login: string;
    isAdmin: boolean;
    oauthUid: string | null;
    provider: { id: number; name: string; isPlatform: boolean } | null;
    isUsingFullOauth: boolean;
    isLastAdmin: boolean;
    account: { id: number; login: string } | null;
    status: string;
    sentence: string;
  }[];
}

describe('reset-admin-rights', () => {
  it('puts base.user_admin back into Settings and the groups it implies, found through ir_model_data', async () => {
    const db = await createTestTenant(app, { base: 'van-dijk-advocaten', prefix: 'rar' });
    const page = await functional.get(`/api/databases/${db.name}`);
    const admin = page.body.tools.admin_rights.administrator;
    expect(admin).toMatchObject({ id: 2, isAdmin: false });
    expect(await baseGroupsOf(db, 2)).not.toContain('group_system');

    const res = await functional.run(db.name, 'reset-admin-rights', {});
    expect(res.status).toBe(200);
    expect(res.body.result.user.id).toBe(2);
    const added = res.body.result.groups
      .filter((g: { added: boolean }) => g.added)
      .map((g: { xmlId: string }) => g.xmlId);
    expect(added).toEqual(expect.arrayContaining(['base.group_system', 'base.group_erp_manager']));
    expect(await baseGroupsOf(db, 2)).toEqual(
      expect.arrayContaining(['group_erp_manager', 'group_system', 'group_user']),
    );
    expect(
      (await functional.get(`/api/databases/${db.name}`)).body.tools.admin_rights.administrator.isAdmin,
    ).toBe(true);
  });

  it('falls back to the oldest internal user when base.user_admin is gone, and takes a named user', async () => {
    const db = await createTestTenant(app, {
      prefix: 'rar',
      tenant: {
        users: [user('owner@rar.example'), user('second@rar.example'), user('third@rar.example')],
      },
    });
    await app.tenants.withTenant(db, (c) =>
      c.query(`DELETE FROM ir_model_data WHERE module = 'base' AND name = 'user_admin'`),
    );
    const oldest = await userId(db, 'owner@rar.example');
    const res = await functional.run(db.name, 'reset-admin-rights', {});
    expect(res.status).toBe(200);
    expect(res.body.result.user).toMatchObject({ id: oldest, login: 'owner@rar.example' });
    expect(await baseGroupsOf(db, oldest)).toEqual(
      expect.arrayContaining(['group_erp_manager', 'group_system', 'group_user']),
    );

    const third = await userId(db, 'third@rar.example');
    expect(await baseGroupsOf(db, third)).not.toContain('group_system');
    expect((await functional.run(db.name, 'reset-admin-rights', { user: third })).status).toBe(200);
    expect(await baseGroupsOf(db, third)).toContain('group_system');
  });

  it('refuses a database whose group xml ids are missing, naming them', async () => {
    const db = await createTestTenant(app, { base: 'van-dijk-advocaten', prefix: 'rar' });
    await app.tenants.withTenant(db, (c) =>
      c.query(`DELETE FROM ir_model_data WHERE module = 'base' AND name = 'group_erp_manager'`),
    );
    const res = await functional.run(db.name, 'reset-admin-rights', {});
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/base\.group_erp_manager/);
    expect(await baseGroupsOf(db, 2)).not.toContain('group_system');
  });

  it('writes all the groups or none: a failure after the grant leaves the groups as they were', async () => {
    const db = await createTestTenant(app, { base: 'van-dijk-advocaten', prefix: 'rar' });
    // The last write of the reset (res_users.share) fails: the group rows written before must go too.
    await app.tenants.withTenant(db, (c) =>
      c.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
               CREATE TRIGGER refuse_users BEFORE UPDATE ON res_users FOR EACH ROW EXECUTE FUNCTION refuse();`),
    );
    const before = await baseGroupsOf(db, 2);
    const res = await functional.run(db.name, 'reset-admin-rights', {});
    expect(res.status).toBe(500);
    expect(await baseGroupsOf(db, 2)).toEqual(before);
    expect(before).not.toContain('group_system');
  });

  it('is refused below the admin_rights level', async () => {
    const db = await createTestTenant(app, { prefix: 'rar' });
    const helpdesk = await AgentSession.login('helpdesk');
    expect((await helpdesk.run(db.name, 'reset-admin-rights', {})).status).toBe(403);
  });
});

describe('admin links to central accounts', () => {
  it('links an admin to the account with the same login, then refuses to unlink the last linked admin', async () => {
    // acme-bakery's owner has a central account (seeded from the catalog); the copy has the same logins.
    const db = await createTestTenant(app, { prefix: 'oauth' });
    let admins = await adminsOf(db);
    const owner = admins.find((a) => a.id === 2)!;
    expect(owner).toMatchObject({ isAdmin: true, status: 'not_linked', isLastAdmin: false });
    expect(owner.account?.login).toBe(owner.login);
    expect(owner.sentence).toBe(`${owner.login} is not linked yet`);

    const linked = await functional.run(db.name, 'link-admin', { login: owner.login });
    expect(linked.status).toBe(200);
    const stored = await app.tenants.withTenant(
      db,
      async (c) =>
        (
          await c.query(`SELECT u.oauth_uid, x.name AS provider FROM res_users u
                        JOIN ir_model_data x ON x.model = 'auth.oauth.provider' AND x.res_id = u.oauth_provider_id
                       WHERE u.id = 2`)
        ).rows[0],
    );
    expect(stored).toEqual({ oauth_uid: String(owner.account!.id), provider: 'provider_openerp' });

    admins = await adminsOf(db);
    expect(admins.find((a) => a.id === 2)).toMatchObject({
      status: 'linked',
      isLastAdmin: true,
      oauthUid: String(owner.account!.id),
      sentence: `${owner.login} is linked to account #${owner.account!.id}`,
    });
    const refused = await functional.run(db.name, 'unlink-admin', { login: owner.login });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/last administrator/);
  });

  it('unlinks an admin when another admin stays linked', async () => {
    const db = await createTestTenant(app, {
      prefix: 'oauth',
      tenant: {
        users: [
          user('first@two-admins.example', { admin: true }),
          user('second@two-admins.example', { admin: true }),
        ],
      },
    });
    await app.metabase
      .insertInto('central_account')
      .values([
        { login: 'first@two-admins.example', name: 'First' },
        { login: 'second@two-admins.example', name: 'Second' },
      ])
      .onConflict((oc) => oc.column('login').doNothing())
      .execute();
    expect((await functional.run(db.name, 'link-admin', { login: 'first@two-admins.example' })).status).toBe(
      200,
    );
    expect((await functional.run(db.name, 'link-admin', { login: 'second@two-admins.example' })).status).toBe(
      200,
    );
    expect((await adminsOf(db)).filter((a) => a.isLastAdmin)).toEqual([]);
    expect(
      (await functional.run(db.name, 'unlink-admin', { login: 'first@two-admins.example' })).status,
    ).toBe(200);
    const admins = await adminsOf(db);
    expect(admins.find((a) => a.login === 'first@two-admins.example')).toMatchObject({
      status: 'not_linked',
      oauthUid: null,
    });
    expect(admins.find((a) => a.login === 'second@two-admins.example')).toMatchObject({
      status: 'linked',
      isLastAdmin: true,
    });
    expect(
      (await functional.run(db.name, 'unlink-admin', { login: 'second@two-admins.example' })).status,
    ).toBe(409);
  });

  it('refuses to link or unlink a user who signs in only through OAuth', async () => {
    const db = await createTestTenant(app, {
      prefix: 'oauth',
      tenant: {
        users: [
          user('sso-admin@full-oauth.example', { admin: true, password: null, oauthUid: '777000111' }),
          user('pw-admin@full-oauth.example', { admin: true }),
        ],
      },
    });
    const sso = (await adminsOf(db)).find((a) => a.login === 'sso-admin@full-oauth.example')!;
    expect(sso).toMatchObject({
      isUsingFullOauth: true,
      status: 'full_oauth',
      sentence: 'sso-admin@full-oauth.example uses OAuth to sign in and cannot be linked',
    });
    for (const op of ['unlink-admin', 'link-admin'] as const) {
      const res = await functional.run(db.name, op, { login: sso.login });
      expect(res.status, op).toBe(409);
      expect(res.body.error.message).toMatch(/OAuth/);
    }
    const stillThere = await app.tenants.withTenant(
      db,
      async (c) =>
        (await c.query(`SELECT oauth_uid FROM res_users WHERE login = $1`, [sso.login])).rows[0].oauth_uid,
    );
    expect(stillThere).toBe('777000111');
  });

  it('cannot link a user without a central account of the same login', async () => {
    const db = await createTestTenant(app, {
      prefix: 'oauth',
      tenant: { users: [user('admin', { admin: true }), user('Owner@No-Account.example', { admin: true })] },
    });
    const admins = await adminsOf(db);
    expect(admins.find((a) => a.login === 'admin')).toMatchObject({
      status: 'no_account',
      account: null,
      sentence: 'admin can not be linked, create it first',
    });
    const res = await functional.run(db.name, 'link-admin', { login: 'admin' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/create it first/);
    // Logins are compared exactly: an account for a differently spelled login is not this user's.
    await app.metabase
      .insertInto('central_account')
      .values({ login: 'owner@no-account.example', name: 'x' })
      .onConflict((oc) => oc.column('login').doNothing())
      .execute();
    expect((await functional.run(db.name, 'link-admin', { login: 'Owner@No-Account.example' })).status).toBe(
      409,
    );
    expect((await functional.run(db.name, 'link-admin', { login: 'owner@no-account.example' })).status).toBe(
      404,
    );
  });
});

/** Adds auth_oauth's Google provider (auth_oauth.provider_google) to the tenant; answers its id. */
async function addGoogleProvider(db: DatabaseRow): Promise<number> {
  return app.tenants.withTenant(db, async (c) => {
    const { rows } = await c.query<{ id: number }>(
      `INSERT INTO auth_oauth_provider (name, auth_endpoint, scope, validation_endpoint, enabled, body)
       VALUES ('Google OAuth2', 'https://accounts.google.com/o/oauth2/auth', 'openid profile email',
               'https://www.googleapis.com/oauth2/v3/tokeninfo', true, '{"en_US": "Log in with Google"}')
       RETURNING id`,
    );
    await c.query(
      `INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
       VALUES ('auth_oauth', 'provider_google', 'auth.oauth.provider', $1, true)`,
      [rows[0].id],
    );
    return rows[0].id;
  });
}

async function oauthColumns(db: DatabaseRow, login: string) {
  return app.tenants.withTenant(
    db,
    async (c) =>
      (
        await c.query<{ provider: string | null; oauth_uid: string | null; oauth_access_token: string | null }>(
          `SELECT x.name AS provider, u.oauth_uid, u.oauth_access_token FROM res_users u
             LEFT JOIN ir_model_data x ON x.model = 'auth.oauth.provider' AND x.res_id = u.oauth_provider_id
            WHERE u.login = $1`,
          [login],
        )
      ).rows[0],
  );
}

async function setOauthColumns(db: DatabaseRow, login: string, providerId: number, uid: string, token: string) {
  await app.tenants.withTenant(db, (c) =>
    c.query(
      'UPDATE res_users SET oauth_provider_id = $2, oauth_uid = $3, oauth_access_token = $4 WHERE login = $1',
      [login, providerId, uid, token],
    ),
  );
}

async function platformProvider(db: DatabaseRow): Promise<number> {
  return app.tenants.withTenant(
    db,
    async (c) =>
      (
        await c.query<{ res_id: number }>(
          `SELECT res_id FROM ir_model_data WHERE module = 'auth_oauth' AND name = 'provider_openerp'`,
        )
      ).rows[0].res_id,
  );
}

describe('linked means the platform provider and the user’s own central account', () => {
  const login = 'owner@odoo-meaning.example';
  async function tenantWithAccount() {
    const db = await createTestTenant(app, {
      prefix: 'oauth',
      tenant: { users: [user(login, { admin: true }), user('second@odoo-meaning.example', { admin: true })] },
    });
    await app.metabase
      .insertInto('central_account')
      .values({ login, name: 'Owner' })
      .onConflict((oc) => oc.column('login').doNothing())
      .execute();
    const account = await app.metabase
      .selectFrom('central_account')
      .select('id')
      .where('login', '=', login)
      .executeTakeFirstOrThrow();
    return { db, accountId: account.id };
  }

  it('shows a user linked to Google as linked to another provider, and link-admin refuses to overwrite it', async () => {
    const { db } = await tenantWithAccount();
    const google = await addGoogleProvider(db);
    await setOauthColumns(db, login, google, '104502938475610293847', 'ya29.google-token');
    const entry = (await adminsOf(db)).find((a) => a.login === login)!;
    expect(entry).toMatchObject({
      status: 'other_provider',
      provider: { id: google, name: 'Google OAuth2', isPlatform: false },
      oauthUid: '104502938475610293847',
      isLastAdmin: false,
      sentence: `${login} is linked to another provider: Google OAuth2`,
    });

    const refused = await functional.run(db.name, 'link-admin', { login });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(`${login} is linked to another provider: Google OAuth2`);
    expect(refused.body.error.message).toMatch(/replace/);
    expect(await oauthColumns(db, login)).toEqual({
      provider: 'provider_google',
      oauth_uid: '104502938475610293847',
      oauth_access_token: 'ya29.google-token',
    });
    // unlink-admin removes platform links only: the customer's Google sign-in is theirs.
    expect((await functional.run(db.name, 'unlink-admin', { login })).status).toBe(409);
  });

  it('replaces another provider’s link only when asked, and clears that provider’s access token', async () => {
    const { db, accountId } = await tenantWithAccount();
    const google = await addGoogleProvider(db);
    await setOauthColumns(db, login, google, '104502938475610293847', 'ya29.google-token');
    const res = await functional.run(db.name, 'link-admin', { login, replace: true });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({
      changed: true,
      replaced: { providerId: google, oauthUid: '104502938475610293847' },
    });
    expect(await oauthColumns(db, login)).toEqual({
      provider: 'provider_openerp',
      oauth_uid: String(accountId),
      oauth_access_token: null,
    });
    expect((await adminsOf(db)).find((a) => a.login === login)).toMatchObject({
      status: 'linked',
      provider: { name: 'dbtools accounts', isPlatform: true },
      isLastAdmin: true,
    });
  });

  it('shows a platform link to a uid that is not the user’s account as another account, and refuses to overwrite it unless asked', async () => {
    const { db, accountId } = await tenantWithAccount();
    const openerp = await platformProvider(db);
    const stranger = String(accountId + 900000);
    await setOauthColumns(db, login, openerp, stranger, 'stale-token');
    const entry = (await adminsOf(db)).find((a) => a.login === login)!;
    expect(entry).toMatchObject({
      status: 'other_account',
      oauthUid: stranger,
      account: { id: accountId, login },
      isLastAdmin: false,
      sentence: `${login} is linked to another account (uid ${stranger})`,
    });

    const refused = await functional.run(db.name, 'link-admin', { login, replace: false });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(`linked to another account (uid ${stranger})`);
    expect((await oauthColumns(db, login)).oauth_uid).toBe(stranger);

    const replaced = await functional.run(db.name, 'link-admin', { login, replace: true });
    expect(replaced.status).toBe(200);
    expect(await oauthColumns(db, login)).toEqual({
      provider: 'provider_openerp',
      oauth_uid: String(accountId),
      oauth_access_token: null,
    });
  });

  it('linking a user who has no link clears a stale access token left on the row', async () => {
    const { db, accountId } = await tenantWithAccount();
    await app.tenants.withTenant(db, (c) =>
      c.query(`UPDATE res_users SET oauth_access_token = 'left-behind' WHERE login = $1`, [login]),
    );
    expect((await adminsOf(db)).find((a) => a.login === login)?.status).toBe('not_linked');
    expect((await functional.run(db.name, 'link-admin', { login })).status).toBe(200);
    expect(await oauthColumns(db, login)).toEqual({
      provider: 'provider_openerp',
      oauth_uid: String(accountId),
      oauth_access_token: null,
    });
  });

  it('a mismatched platform link does not count as a linked administrator: the rightly linked one is the last', async () => {
    const { db, accountId } = await tenantWithAccount();
    const openerp = await platformProvider(db);
    await setOauthColumns(db, 'second@odoo-meaning.example', openerp, String(accountId + 900001), 'x');
    expect((await functional.run(db.name, 'link-admin', { login })).status).toBe(200);
    const admins = await adminsOf(db);
    expect(admins.find((a) => a.login === login)).toMatchObject({ status: 'linked', isLastAdmin: true });
    expect((await functional.run(db.name, 'unlink-admin', { login })).status).toBe(409);
    // The wrong platform link itself can be removed.
    expect((await functional.run(db.name, 'unlink-admin', { login: 'second@odoo-meaning.example' })).status).toBe(
      200,
    );
  });
});

describe('hostile tenant data', () => {
  it('returns logins, names and company names verbatim as JSON data', async () => {
    const login = `<script>alert("login")</script>@evil.example`;
    const name = `<img src=x onerror=alert('name')>`;
    const company = `"><svg onload=alert(1)> & Co`;
    const db = await createTestTenant(app, {
      prefix: 'xss',
      tenant: {
        companies: [{ name: company, currency: 'EUR' }],
        users: [user('admin-xss@evil.example', { admin: true }), user(login, { name })],
      },
    });
    const page = await functional.get(`/api/databases/${db.name}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^application\/json/);
    expect(page.body.tools.company_users.companies[0].name).toBe(company);
    const entry = page.body.tools.oauth_admin.admins.find((a: { login: string }) => a.login === login);
    expect(entry).toMatchObject({ login, name, sentence: `${login} can not be linked, create it first` });
    const technical = await AgentSession.login('technical');
    const imp = (await technical.get(`/api/databases/${db.name}`)).body.tools.impersonation.users;
    expect(imp.find((u: { login: string }) => u.login === login)).toMatchObject({ login, name });
  });
});
