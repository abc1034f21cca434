/**
 * Odoo faithfulness: for 16.0, 17.0 and 18.0, a tenant built from that version's schema (tables as
 * Odoo creates them) is given the modules, crons, webhooks, payment providers, website domain, mail
 * servers and IAP tokens of a real customer database, then neutralized and given a new identity.
 * Every field Odoo's code would change is checked against the value Odoo's files write, and every
 * field it would leave alone is checked unchanged.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { startCluster, type EmbeddedCluster } from '../../src/hosting/cluster.js';
import { findDatabase } from '../../src/metabase/repositories/databases.js';
import { odooDatetime } from '../../src/tenant/config-parameters.js';
import { giveNewIdentity } from '../../src/tenant/identity.js';
import { neutralizeDatabase } from '../../src/tenant/neutralize.js';
import { UnsupportedOdooVersion, type OdooSeries } from '../../src/tenant/odoo-version.js';
import { ensureTenantTemplates, tenantTemplateName } from '../../src/tenant/template.js';
import { AgentSession } from '../support/http.js';
import { waitForJob } from '../support/jobs.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let dir: string;
let cluster: EmbeddedCluster;
let admin: pg.Client;
const clients: pg.Client[] = [];

async function connect(database: string): Promise<pg.Client> {
  const c = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: cluster.superuser, database });
  await c.connect();
  clients.push(c);
  return c;
}

let counter = 0;
async function tenantOf(version: string): Promise<pg.Client> {
  const name = `faithful-${counter++}`;
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${tenantTemplateName(version)}"`);
  return connect(name);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dbtools-faithfulness-'));
  cluster = await startCluster({ dir, durable: false });
  admin = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: cluster.superuser, database: 'postgres' });
  await admin.connect();
  await ensureTenantTemplates(admin);
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await admin?.end().catch(() => undefined);
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

async function rows<T extends pg.QueryResultRow>(db: pg.Client, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query<T>(sql, params)).rows;
}

async function param(db: pg.Client, key: string): Promise<string | undefined> {
  return (await rows<{ value: string }>(db, 'SELECT value FROM ir_config_parameter WHERE key = $1', [key]))[0]?.value;
}

/**
 * What a customer database has that neutralization must deal with, written with every NOT NULL
 * column the version's tables demand (the INSERTs fail otherwise, as on a real database).
 */
async function customerData(db: pg.Client, series: OdooSeries): Promise<void> {
  await db.query(
    `UPDATE ir_module_module SET state = 'installed', latest_version = $1 WHERE name IN ('website', 'mass_mailing')`,
    [`${series}.1.0`],
  );
  // A second, customer mail server and a template that forces it.
  await db.query(
    `INSERT INTO ir_mail_server (id, name, smtp_host, smtp_port, smtp_authentication, smtp_user, smtp_pass, smtp_encryption, active, sequence)
     VALUES (50, 'Customer Office 365', 'smtp.office365.com', 587, 'login', 'shop@customer.example', 'hunter2', 'starttls', true, 5)`,
  );
  await db.query(
    `INSERT INTO mail_template (id, name, model_id, model, subject, mail_server_id, auto_delete)
     VALUES (1, '{"en_US": "Order confirmation"}', 6, 'res.partner', '{"en_US": "Your order"}', 50, true)`,
  );
  await db.query(
    `INSERT INTO fetchmail_server (id, name, active, state, server, port, server_type, is_ssl, "user", password, object_id, priority)
     VALUES (1, 'Support inbox', true, 'done', 'imap.customer.example', 993, 'imap', true, 'support@customer.example', 'pw', 6, 5)`,
  );
  // A customer cron (and the template's base crons, all active).
  await db.query(
    `INSERT INTO ir_act_server (id, name, type, binding_type, usage, state, model_id, model_name, code)
     VALUES (100, '{"en_US": "Customer: sync stock"}', 'ir.actions.server', 'action', 'ir_cron', 'code', 6, 'res.partner', 'model._sync()')`,
  );
  await db.query(
    `INSERT INTO ir_cron (id, ir_actions_server_id, cron_name, user_id, active, interval_number, interval_type, nextcall, priority)
     VALUES (100, 100, 'Customer: sync stock', 2, true, 5, 'minutes', now() at time zone 'UTC', 5)`,
  );
  // Only base's autovacuum job survives: a customer module's cron of the same name does not (every series).
  await db.query(
    `INSERT INTO ir_model_data (module, name, model, res_id, noupdate) VALUES ('customer_sync', 'autovacuum_job', 'ir.cron', 100, true)`,
  );
  if (series !== '16.0') {
    await db.query(
      `INSERT INTO ir_act_server (id, name, type, binding_type, usage, state, model_id, model_name, webhook_url)
       VALUES (101, '{"en_US": "Notify ERP"}', 'ir.actions.server', 'action', 'ir_actions_server', 'webhook', 6, 'res.partner',
               'https://erp.customer.example/hook')`,
    );
    await db.query(
      `INSERT INTO ir_config_parameter (key, value) VALUES
         ('mail.web_push_vapid_private_key', 'private'), ('mail.web_push_vapid_public_key', 'public'),
         ('mail.sfu_server_key', 'sfu-secret')`,
    );
    // saas~17.1 renamed the web push tables (mail_push, mail_push_device): 18.0 has the new names.
    const [device, queue, deviceColumn] =
      series === '18.0'
        ? ['mail_push_device', 'mail_push', 'mail_push_device_id']
        : ['mail_partner_device', 'mail_notification_web_push', 'user_device'];
    await db.query(`INSERT INTO ${device} (id, partner_id, endpoint, keys) VALUES (1, 3, 'https://push.example/1', '{}')`);
    await db.query(`INSERT INTO ${queue} (${deviceColumn}, payload) VALUES (1, '{}')`);
  }
  // A provider the customer logs in with (Google), enabled like the platform's own.
  await db.query(
    `INSERT INTO auth_oauth_provider (id, name, client_id, auth_endpoint, scope, validation_endpoint, enabled, body)
     VALUES (2, 'Google OAuth2', 'google-client', 'https://accounts.google.com/o/oauth2/auth', 'openid', 'https://www.googleapis.com/oauth2/v3/tokeninfo', true, '{"en_US": "Log in with Google"}')`,
  );
  // Payment: Stripe live (enabled), a provider in test mode, PayPal disabled.
  await db.query(
    `INSERT INTO payment_provider (id, name, code, state, company_id) VALUES (10, '{"en_US": "Adyen"}', 'adyen', 'test', 1)`,
  );
  await db.query(
    `UPDATE website SET domain = 'https://shop.customer.example', cdn_activated = true, cdn_url = 'https://cdn.example',
            robots_txt = 'User-agent: *' || chr(10) || 'Allow: /'`,
  );
  // IAP tokens: a plain one and one already suffixed.
  const service = series === '18.0' ? 'service_id' : 'service_name';
  const sms = series === '18.0' ? `(SELECT id FROM iap_service WHERE technical_name = 'sms')` : `'sms'`;
  const ocr = series === '18.0' ? `(SELECT id FROM iap_service WHERE technical_name = 'invoice_ocr')` : `'invoice_ocr'`;
  await db.query(
    `INSERT INTO iap_account (id, ${service}, account_token) VALUES
       (1, ${sms}, '0123456789abcdef0123456789abcdef'), (2, ${ocr}, 'fedcba9876543210fedcba9876543210+old')`,
  );
  if (series !== '16.0') {
    // A token made before 17.0 (a dashed uuid4, 36 characters): suffixed, it would overflow varchar(43).
    await db.query(`INSERT INTO iap_account (id, ${service}, account_token) VALUES (3, ${sms}, $1)`, [
      '01234567-89ab-4def-8123-456789abcdef',
    ]);
  }
  await db.query(
    `INSERT INTO ir_config_parameter (key, value) VALUES
       ('database.enterprise_code', 'M1234567890123'), ('database.expiration_date', '2027-01-01 00:00:00'),
       ('database.expiration_reason', 'renewal'), ('web.base.url', 'https://shop.customer.example')
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
  );
  await db.query(`UPDATE ir_config_parameter SET value = '5' WHERE key = 'base.login_cooldown_after'`);
  await db.query(`UPDATE auth_oauth_provider SET client_id = (SELECT value FROM ir_config_parameter WHERE key = 'database.uuid')`);
}

const NOW = new Date('2026-11-29T15:00:00Z');

/**
 * The values Odoo's files write, per series (odoo/addons/base/data/neutralize.sql and each installed
 * module's data/neutralize.sql; ir_config_parameter.py _default_parameters; auth_oauth's init override).
 */
const EXPECTED = {
  dummyMailServer: {
    name: 'neutralization - disable emails',
    smtp_host: 'invalid',
    smtp_port: 1025,
    smtp_encryption: 'none',
    smtp_authentication: 'login',
    active: true,
  },
  webhookUrl: 'neutralization - disable webhook',
  robots: 'User-agent: *\nDisallow: /',
  webBaseUrl: 'http://localhost:8069',
} as const;

const SERIES: { series: OdooSeries; version: string }[] = [
  { series: '16.0', version: '16.0' },
  { series: '17.0', version: '17.0' },
  { series: '18.0', version: '18.0' },
];

describe.each(SERIES)('Odoo $version', ({ series, version }) => {
  let db: pg.Client;
  let oldUuid: string;
  let oldSecret: string;
  const newUuid = randomUUID();

  beforeAll(async () => {
    db = await tenantOf(version);
    await customerData(db, series);
    oldUuid = (await param(db, 'database.uuid'))!;
    oldSecret = (await param(db, 'database.secret'))!;
    await db.query('BEGIN');
    await neutralizeDatabase(db, version);
    await giveNewIdentity(db, { uuid: newUuid, now: NOW });
    await db.query('COMMIT');
  }, 60_000);

  it('deactivates every mail server and adds the active dummy one, every NOT NULL column set (base)', async () => {
    const servers = await rows(
      db,
      `SELECT name, smtp_host, smtp_port, smtp_encryption, smtp_authentication, active FROM ir_mail_server ORDER BY name`,
    );
    expect(servers).toEqual([
      expect.objectContaining({ name: 'Customer Office 365', active: false }),
      expect.objectContaining({ name: 'dbtools mail relay', active: false }),
      EXPECTED.dummyMailServer,
    ]);
  });

  it('deactivates every cron except base.autovacuum_job (base)', async () => {
    const active = await rows<{ xmlid: string | null }>(
      db,
      `SELECT (SELECT module || '.' || name FROM ir_model_data WHERE model = 'ir.cron' AND res_id = c.id) AS xmlid
         FROM ir_cron c WHERE c.active`,
    );
    expect(active).toEqual([{ xmlid: 'base.autovacuum_job' }]);
    expect(await rows(db, `SELECT count(*)::int AS n FROM ir_cron`)).toEqual([{ n: 6 }]);
  });

  it('sets database.is_neutralized to true (base)', async () => {
    expect(await param(db, 'database.is_neutralized')).toBe('true');
  });

  it(`${series === '16.0' ? 'has no webhook actions in 16.0' : 'points every webhook action at a dead URL, other server actions untouched (base, 17.0+)'}`, async () => {
    const actions = await rows<{ id: number; state: string; webhook_url?: string | null; code: string | null }>(
      db,
      `SELECT * FROM ir_act_server WHERE id IN (100, 101) ORDER BY id`,
    );
    if (series === '16.0') {
      expect(actions.map((a) => a.state)).toEqual(['code']);
      expect(actions[0]).not.toHaveProperty('webhook_url');
      return;
    }
    expect(actions.map((a) => [a.state, a.webhook_url ?? null, a.code])).toEqual([
      ['code', null, 'model._sync()'],
      ['webhook', EXPECTED.webhookUrl, null],
    ]);
  });

  it('shows the neutralization banner (web) and the website ribbon (website installed)', async () => {
    expect(await rows(db, `SELECT key, active FROM ir_ui_view ORDER BY id`)).toEqual([
      { key: 'web.neutralize_banner', active: true },
      { key: 'website.neutralize_ribbon', active: true },
    ]);
  });

  it('removes forced mail servers from templates and stops fetching mail (mail, 16.0 included: it has no fetchmail module)', async () => {
    expect(await rows(db, `SELECT mail_server_id FROM mail_template`)).toEqual([{ mail_server_id: null }]);
    expect(await rows(db, `SELECT active FROM fetchmail_server`)).toEqual([{ active: false }]);
  });

  it(`${series === '16.0' ? 'has no web push in 16.0' : 'deletes the web push keys, the SFU key, devices and queue (mail, 17.0+; mail_push tables in 18.0)'}`, async () => {
    if (series === '16.0') {
      expect(await rows(db, `SELECT to_regclass('mail_partner_device') AS t`)).toEqual([{ t: null }]);
      return;
    }
    expect(await param(db, 'mail.web_push_vapid_private_key')).toBeUndefined();
    expect(await param(db, 'mail.web_push_vapid_public_key')).toBeUndefined();
    expect(await param(db, 'mail.sfu_server_key')).toBeUndefined();
    const [device, queue] = series === '18.0' ? ['mail_push_device', 'mail_push'] : ['mail_partner_device', 'mail_notification_web_push'];
    expect(await rows(db, `SELECT count(*)::int AS n FROM ${device}`)).toEqual([{ n: 0 }]);
    expect(await rows(db, `SELECT count(*)::int AS n FROM ${queue}`)).toEqual([{ n: 0 }]);
  });

  it(`suffixes every IAP token with +disabled, replacing an existing suffix${series === '16.0' ? '' : '; a token too long for it (over 33 characters) becomes a dummy'} (iap)`, async () => {
    expect(await rows(db, `SELECT account_token FROM iap_account ORDER BY id`)).toEqual([
      { account_token: '0123456789abcdef0123456789abcdef+disabled' },
      // 17.0+: only a token of at most 33 characters is suffixed; this one (36 with its old suffix) is replaced.
      { account_token: series === '16.0' ? 'fedcba9876543210fedcba9876543210+disabled' : 'dummy_value+disabled' },
      ...(series === '16.0' ? [] : [{ account_token: 'dummy_value+disabled' }]),
    ]);
  });

  it('disables every OAuth provider, the platform one included (auth_oauth)', async () => {
    expect(await rows(db, `SELECT id, enabled FROM auth_oauth_provider ORDER BY id`)).toEqual([
      { id: 1, enabled: false },
      { id: 2, enabled: false },
    ]);
  });

  it('disables live payment providers, leaving test and disabled ones as they are (payment)', async () => {
    expect(await rows(db, `SELECT code, state FROM payment_provider ORDER BY id`)).toEqual([
      { code: 'stripe', state: 'disabled' },
      { code: 'custom', state: 'disabled' },
      { code: 'paypal', state: 'disabled' },
      { code: 'adyen', state: 'test' },
    ]);
  });

  it(`frees the website domain${series === '16.0' ? ', CDN and robots.txt untouched in 16.0' : ', turns the CDN off and forbids crawling (website, 17.0+)'}`, async () => {
    expect(await rows(db, `SELECT domain, cdn_activated, cdn_url, robots_txt FROM website`)).toEqual([
      {
        domain: null,
        cdn_activated: series === '16.0',
        cdn_url: 'https://cdn.example',
        robots_txt: series === '16.0' ? 'User-agent: *\nAllow: /' : EXPECTED.robots,
      },
    ]);
  });

  it('gives the identity of ir.config_parameter.init(force=True): new uuid, secret and create date, every default parameter reset', async () => {
    expect(await param(db, 'database.uuid')).toBe(newUuid);
    expect(newUuid).not.toBe(oldUuid);
    const secret = await param(db, 'database.secret');
    expect(secret).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(secret).not.toBe(oldSecret);
    expect(await param(db, 'database.create_date')).toBe(odooDatetime(NOW));
    expect(await param(db, 'database.create_date')).toBe('2026-11-29 15:00:00');
    expect(await param(db, 'web.base.url')).toBe(EXPECTED.webBaseUrl);
    expect(await param(db, 'base.login_cooldown_after')).toBe('10');
    expect(await param(db, 'base.login_cooldown_duration')).toBe('60');
  });

  it("sets auth_oauth.provider_openerp's client_id to the new uuid (auth_oauth's init override)", async () => {
    expect(
      await rows(
        db,
        `SELECT p.client_id FROM auth_oauth_provider p JOIN ir_model_data d
           ON d.model = 'auth.oauth.provider' AND d.res_id = p.id AND d.module = 'auth_oauth' AND d.name = 'provider_openerp'`,
      ),
    ).toEqual([{ client_id: newUuid }]);
  });

  it('leaves what Odoo leaves: the enterprise code and the expiration parameters', async () => {
    expect(await param(db, 'database.enterprise_code')).toBe('M1234567890123');
    expect(await param(db, 'database.expiration_date')).toBe('2027-01-01 00:00:00');
    expect(await param(db, 'database.expiration_reason')).toBe('renewal');
  });
});

describe('the strict schemas', () => {
  it("refuse the old neutralization INSERT without smtp_authentication on 17.0 (and 16.0, 18.0): the column is NOT NULL as in Odoo", async () => {
    for (const version of ['16.0', '17.0', '18.0']) {
      const db = await tenantOf(version);
      await expect(
        db.query(`INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_encryption, active)
                  VALUES ('neutralization - disable emails', 'invalid', 1025, 'none', true)`),
      ).rejects.toMatchObject({ code: '23502', column: 'smtp_authentication' });
    }
  });

  it('refuse an INSERT that leaves a required field to an ORM default (res_users.notification_type, mail_mail.mail_message_id)', async () => {
    const db = await tenantOf('17.0');
    await expect(
      db.query(`INSERT INTO res_users (login, company_id, partner_id) VALUES ('x', 1, 3)`),
    ).rejects.toMatchObject({ code: '23502', column: 'notification_type' });
    await expect(db.query(`INSERT INTO mail_mail (state) VALUES ('outgoing')`)).rejects.toMatchObject({
      code: '23502',
      column: 'mail_message_id',
    });
  });

  it('refuse on 18.0 an IAP account without its iap.service, and a cron with a zero interval', async () => {
    const db = await tenantOf('18.0');
    await expect(db.query(`INSERT INTO iap_account (account_token) VALUES ('x')`)).rejects.toMatchObject({
      code: '23502',
      column: 'service_id',
    });
    await expect(
      db.query(`UPDATE ir_cron SET interval_number = 0 WHERE id = 1`),
    ).rejects.toMatchObject({ code: '23514', constraint: 'ir_cron_check_strictly_positive_interval' });
  });
});

describe('neutralizeDatabase', () => {
  it('skips the rules of modules that are not installed (website uninstalled: domain kept, ribbon off)', async () => {
    const db = await tenantOf('17.0');
    await db.query(`UPDATE website SET domain = 'https://kept.example'`);
    await neutralizeDatabase(db, '17.0');
    expect(await rows(db, `SELECT domain FROM website`)).toEqual([{ domain: 'https://kept.example' }]);
    expect(await rows(db, `SELECT key, active FROM ir_ui_view ORDER BY id`)).toEqual([
      { key: 'web.neutralize_banner', active: true },
      { key: 'website.neutralize_ribbon', active: false },
    ]);
  });

  it('runs 17.0 rules for a saas~17.4 database (it shares the 17.0 schema)', async () => {
    const db = await tenantOf('saas~17.4');
    await db.query(
      `INSERT INTO ir_act_server (name, type, binding_type, usage, state, model_id, webhook_url)
       VALUES ('{"en_US": "hook"}', 'ir.actions.server', 'action', 'ir_actions_server', 'webhook', 6, 'https://x.example')`,
    );
    await neutralizeDatabase(db, 'saas~17.4');
    expect(await rows(db, `SELECT webhook_url FROM ir_act_server WHERE state = 'webhook'`)).toEqual([
      { webhook_url: EXPECTED.webhookUrl },
    ]);
  });

  it('empties mail_push and mail_push_device on a saas~17.x database that has them (renamed in saas~17.1)', async () => {
    const db = await tenantOf('saas~17.4');
    await db.query(`ALTER TABLE mail_partner_device RENAME TO mail_push_device`);
    await db.query(`ALTER TABLE mail_notification_web_push RENAME TO mail_push`);
    await db.query(`ALTER TABLE mail_push RENAME COLUMN user_device TO mail_push_device_id`);
    await db.query(`INSERT INTO mail_push_device (id, partner_id, endpoint, keys) VALUES (1, 3, 'https://push.example/1', '{}')`);
    await db.query(`INSERT INTO mail_push (mail_push_device_id, payload) VALUES (1, '{}')`);
    await neutralizeDatabase(db, 'saas~17.4');
    expect(await rows(db, `SELECT (SELECT count(*) FROM mail_push)::int AS q, (SELECT count(*) FROM mail_push_device)::int AS d`)).toEqual([
      { q: 0, d: 0 },
    ]);
  });

  it('answers the modules whose rules ran, in its fixed order', async () => {
    const db = await tenantOf('17.0');
    expect(await neutralizeDatabase(db, '17.0')).toEqual(['base', 'web', 'mail', 'iap', 'payment', 'auth_oauth']);
  });

  it('refuses a version the platform does not host rather than guessing its rules', async () => {
    const db = await tenantOf('17.0');
    await expect(neutralizeDatabase(db, '15.0')).rejects.toBeInstanceOf(UnsupportedOdooVersion);
    expect(await param(db, 'database.is_neutralized')).toBeUndefined();
  });
});

describe('giveNewIdentity', () => {
  it('gives a new identity to a database without auth_oauth (no provider table, as most imported databases)', async () => {
    const db = await tenantOf('17.0');
    await db.query(`ALTER TABLE res_users DROP COLUMN oauth_provider_id, DROP COLUMN oauth_uid, DROP COLUMN oauth_access_token`);
    await db.query(`DROP TABLE auth_oauth_provider`);
    await db.query(`DELETE FROM ir_model_data WHERE module = 'auth_oauth'`);
    await db.query(`UPDATE ir_module_module SET state = 'uninstalled' WHERE name = 'auth_oauth'`);
    const uuid = randomUUID();
    await giveNewIdentity(db, { uuid, now: NOW });
    expect(await param(db, 'database.uuid')).toBe(uuid);
    expect(await neutralizeDatabase(db, '17.0')).not.toContain('auth_oauth');
  });
});

describe('the duplicate job on a tenant of each version', () => {
  let app: App & { close(): Promise<void> };
  let functional: AgentSession;
  beforeAll(async () => {
    app = await connectTestApp();
    functional = await AgentSession.login('functional');
  });
  afterAll(() => app.close());

  it.each([
    { base: 'brouwerij-de-kroon', version: '16.0' },
    { base: 'acme-bakery', version: '17.0' },
    { base: 'smith-partners-law', version: 'saas~17.4' },
    { base: 'boulangerie-martin', version: '18.0' },
  ])('leaves a $version copy neutralized with its own identity, on the strict $version schema', async ({ base, version }) => {
    const source = await createTestTenant(app, {
      base,
      prefix: 'faithful-dup',
      metabase: { status: 'open', duplicate_limit: 3 },
    });
    expect(source.version).toBe(version);
    const res = await functional.run(source.name, 'duplicate', {});
    expect(res.status).toBe(200);
    const job = await waitForJob(functional, res.body.job.id);
    expect(job).toMatchObject({ state: 'completed' });
    // No Odoo source is configured for the test platform's servers: the job says the fallback rules ran.
    expect(job.result.neutralization).toEqual({ via: 'fallback', modules: expect.arrayContaining(['base', 'web', 'mail']) });
    const copy = (await findDatabase(app.metabase, res.body.name))!;
    const seen = await app.tenants.withTenant(copy, async (c) => ({
      uuid: (await c.query(`SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'`)).rows[0].value as string,
      baseUrl: (await c.query(`SELECT value FROM ir_config_parameter WHERE key = 'web.base.url'`)).rows[0].value as string,
      neutralized: (await c.query(`SELECT value FROM ir_config_parameter WHERE key = 'database.is_neutralized'`)).rows[0]
        ?.value as string | undefined,
      clientId: (await c.query(`SELECT client_id FROM auth_oauth_provider WHERE id = 1`)).rows[0].client_id as string,
      servers: (await c.query(`SELECT name, smtp_authentication FROM ir_mail_server WHERE active`)).rows,
      crons: (await c.query(`SELECT count(*)::int AS n FROM ir_cron WHERE active`)).rows[0].n as number,
    }));
    expect(seen).toEqual({
      uuid: copy.uuid,
      baseUrl: EXPECTED.webBaseUrl,
      neutralized: 'true',
      clientId: copy.uuid,
      servers: [{ name: EXPECTED.dummyMailServer.name, smtp_authentication: 'login' }],
      crons: 1,
    });
  });
});
