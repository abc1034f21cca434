import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, databaseExists, dropDatabase } from '../hosting/cluster-databases.js';
import {
  dropTenantRole,
  handOverDatabase,
  TEMPLATE_ROLE,
  tenantConnectionConfig,
  tenantLogin,
  tenantRoleName,
} from '../hosting/tenant-role.js';
import { linkOrCopyTree } from '../hosting/filestore-copy.js';
import { attachmentChecksum, attachmentPath, databaseFilestore, storeFnameFor } from '../tenant/filestore.js';
import { odooDatetime } from '../tenant/config-parameters.js';
import { neutralizeDatabase } from '../tenant/neutralize.js';
import { DEMO_PASSWORD_ROUNDS, hashOdooPassword } from '../tenant/password.js';
import { odooSeries } from '../tenant/odoo-version.js';
import { tenantTemplateName } from '../tenant/template.js';
import { demoAttachmentContents } from './attachments.js';
import { DEMO_USER_PASSWORD, type DemoDatabaseSpec, type DemoUser } from './catalog.js';
import { DAY_MS } from '../dates.js';
import { Prng } from './prng.js';

export class TenantDatabaseExists extends Error {
  readonly code = 'conflict';
  constructor(readonly database: string) {
    super(`Database "${database}" already exists on this cluster; drop it first or pick another name`);
  }
}



/** `17.0` → `17.0.1.0`, `saas~17.4` → `saas~17.4.1.0`: the shape of ir_module_module.latest_version. */
export function moduleVersion(serverVersion: string, moduleRevision = '1.0'): string {
  return `${serverVersion}.${moduleRevision}`;
}

/** Odoo stores implied groups on the user too, so membership is written expanded. */
function groupXmlIds(u: DemoUser): string[] {
  if (u.share) return ['base.group_portal'];
  if (u.admin)
    return [
      'base.group_user',
      'base.group_erp_manager',
      'base.group_system',
      'base.group_partner_manager',
      'base.group_no_one',
    ];
  return ['base.group_user', 'base.group_partner_manager'];
}

interface TemplateIds {
  admin_id: number;
  admin_partner_id: number;
  root_id: number;
  company_id: number;
  company_partner_id: number;
  partner_max: number;
  company_max: number;
  user_max: number;
  provider_id: number | null;
  mail_server_id: number | null;
}

async function templateIds(db: pg.Client): Promise<TemplateIds> {
  const { rows } = await db.query<TemplateIds>(`
    WITH x AS (SELECT module || '.' || name AS xmlid, res_id FROM ir_model_data
                WHERE (module, name) IN (('base', 'user_admin'), ('base', 'user_root'), ('base', 'main_company'), ('auth_oauth', 'provider_openerp')))
    SELECT (SELECT res_id FROM x WHERE xmlid = 'base.user_admin') AS admin_id,
           (SELECT u.partner_id FROM res_users u JOIN x ON x.res_id = u.id AND x.xmlid = 'base.user_admin') AS admin_partner_id,
           (SELECT res_id FROM x WHERE xmlid = 'base.user_root') AS root_id,
           (SELECT res_id FROM x WHERE xmlid = 'base.main_company') AS company_id,
           (SELECT c.partner_id FROM res_company c JOIN x ON x.res_id = c.id AND x.xmlid = 'base.main_company') AS company_partner_id,
           (SELECT max(id) FROM res_partner)::int AS partner_max,
           (SELECT max(id) FROM res_company)::int AS company_max,
           (SELECT max(id) FROM res_users)::int AS user_max,
           (SELECT res_id FROM x WHERE xmlid = 'auth_oauth.provider_openerp') AS provider_id,
           (SELECT min(id) FROM ir_mail_server WHERE active)::int AS mail_server_id`);
  return rows[0];
}

const SUBJECTS = [
  'Your invoice {ref}',
  'Quotation {ref} is ready',
  'Order confirmation {ref}',
  'Reminder: payment due for {ref}',
  'Our newsletter — seasonal news',
  'Delivery {ref} is on its way',
  'Invitation: team meeting',
];

const BOUNCE_REASONS = [
  '550 5.1.1 <{email}>: Recipient address rejected: User unknown',
  '552 5.2.2 Mailbox full',
  '550 5.7.1 Message rejected as spam by content filter',
];

/**
 * What a demo database is copied from: a template of its series (today's schema template by
 * default), and with `odooFilestore` a database Odoo made, whose attachments are copied along.
 */
export interface TenantOrigin {
  template: string;
  odooFilestore?: string;
}

/**
 * Creates one hosted tenant database from its version's template (unless `origin` names
 * another) and gives it its own data, all in one transaction on the new database. Throws TenantDatabaseExists if the name is taken: whether to
 * drop and re-seed is the caller's decision. A failure half-way removes what it created.
 */
export async function seedTenantDatabase(
  admin: pg.Client,
  secret: Buffer,
  spec: DemoDatabaseSpec,
  filestoreRoot: string,
  origin: TenantOrigin = { template: tenantTemplateName(spec.metabase.version) },
): Promise<void> {
  const template = origin.template;
  const name = spec.metabase.name;
  if (await databaseExists(admin, name)) throw new TenantDatabaseExists(name);
  try {
    await createDatabase(admin, name, { template });
  } catch (err) {
    if ((err as { code?: string }).code === '42P04') throw new TenantDatabaseExists(name);
    throw err;
  }
  try {
    const login = tenantLogin(secret, name);
    const address = { host: admin.host, port: admin.port };
    await handOverDatabase(admin, address, login, TEMPLATE_ROLE);
    if (origin.odooFilestore) await linkOrCopyTree(origin.odooFilestore, databaseFilestore(filestoreRoot, name));
    // The customer's data is written as the tenant's own role, as everything after it is.
    const db = new pg.Client(tenantConnectionConfig(address, login));
    db.on('error', () => undefined); // surfaced by the pending query instead
    await db.connect();
    try {
      await db.query('BEGIN');
      await fillTenant(db, spec, filestoreRoot, !!origin.odooFilestore);
      await db.query('COMMIT');
    } finally {
      await db.end();
    }
  } catch (err) {
    await dropTenantDatabase(admin, name, filestoreRoot).catch(() => undefined);
    throw err;
  }
}

/**
 * `INSERT INTO table (columns) <select> <conflict>`; with `modelId`, the columns the list leaves
 * out take the values of that row of the table instead of NULL or their default: in a database
 * Odoo made, its modules add required columns of their own (NOT NULL, no default in PostgreSQL),
 * and a copy of one of Odoo's rows has them right. `select` answers `columns` in order.
 */
function insertRows(table: string, columns: string[], select: string, conflict: string, modelId: number | null): string {
  if (modelId === null) return `INSERT INTO ${table} (${columns.join(', ')}) ${select} ${conflict}`;
  return `INSERT INTO ${table}
          SELECT (jsonb_populate_record(NULL::${table}, m.row || to_jsonb(x))).*
            FROM (${select}) AS x(${columns.join(', ')}),
                 (SELECT to_jsonb(t) AS row FROM ${table} t WHERE t.id = ${Number(modelId)}) AS m
          ${conflict}`;
}

/**
 * The demo's data, written into a copy of its template. `madeByOdoo`: the template is a database
 * Odoo installed, whose modules are really installed (its ir_module_module stays Odoo's) and whose
 * tables have every column its modules add (rows are copied from one of Odoo's and changed).
 */
async function fillTenant(db: pg.Client, spec: DemoDatabaseSpec, filestoreRoot: string, madeByOdoo: boolean): Promise<void> {
  const { metabase: mb, tenant } = spec;
  const series = odooSeries(mb.version);
  const prng = new Prng(`dbtools-demo-data:${mb.name}`);
  const ids = await templateIds(db);
  const created = mb.create_date;
  const domain = `${mb.name}.example`;

  // Explicit ids: rows reference each other across statements without a round trip per row.
  let nextPartner = ids.partner_max;
  const companyIds = tenant.companies.map((_, i) => (i === 0 ? ids.company_id : ids.company_max + i));
  const companyPartnerIds = tenant.companies.map((_, i) =>
    i === 0 ? ids.company_partner_id : ++nextPartner,
  );
  const userIds = tenant.users.map((_, i) => (i === 0 ? ids.admin_id : ids.user_max + i));
  const userPartnerIds = tenant.users.map((_, i) => (i === 0 ? ids.admin_partner_id : ++nextPartner));
  const companyOf = (u: DemoUser): number => companyIds[u.company ?? 0] ?? companyIds[0];

  const partners = [
    ...tenant.companies.map((c, i) => ({
      id: companyPartnerIds[i],
      name: c.name,
      email: `info${i === 0 ? '' : i}@${domain}`,
      is_company: true,
      company_id: companyIds[i],
      active: true,
      create_date: created.toISOString(),
    })),
    ...tenant.users.map((u, i) => ({
      id: userPartnerIds[i],
      name: u.name,
      email: u.login.includes('@') ? u.login : `${u.name.split(' ')[0].toLowerCase()}@${domain}`,
      is_company: false,
      company_id: u.share ? null : companyOf(u),
      active: u.active,
      create_date: new Date(created.getTime() + i * 3_600_000).toISOString(),
    })),
  ];
  // The partner's stored full name: display_name in 16.0, complete_name from 17.0 on.
  const fullName = series === '16.0' ? 'display_name' : 'complete_name';
  // In a database Odoo made, new rows copy the other columns of Odoo's own (model) rows.
  const model = (id: number): number | null => (madeByOdoo ? id : null);
  await db.query(
    insertRows(
      'res_partner',
      ['id', 'name', fullName, 'email', 'type', 'is_company', 'active', 'create_date', 'create_uid', 'write_uid'],
      `SELECT r.id, r.name, r.name, r.email, 'contact', r.is_company, r.active, r.create_date, $2::int, $2::int
         FROM jsonb_to_recordset($1) AS r(id int, name text, email text, is_company bool, active bool, create_date timestamp)`,
      `ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, ${fullName} = EXCLUDED.${fullName}, email = EXCLUDED.email,
         is_company = EXCLUDED.is_company, active = EXCLUDED.active, create_date = EXCLUDED.create_date`,
      model(ids.admin_partner_id),
    ),
    [JSON.stringify(partners), ids.root_id],
  );
  if (madeByOdoo) {
    // Each new partner is its own commercial entity, as Odoo computes it for a partner without parent.
    await db.query(`UPDATE res_partner SET commercial_partner_id = id, parent_id = NULL WHERE id = ANY($1::int[])`, [
      partners.map((p) => p.id),
    ]);
  }

  const parentPaths: string[] = [];
  const companies = tenant.companies.map((c, i) => {
    const parent = c.parent === undefined ? null : companyIds[c.parent];
    parentPaths[i] = `${c.parent === undefined ? '' : parentPaths[c.parent]}${companyIds[i]}/`;
    return {
      id: companyIds[i],
      name: c.name,
      partner_id: companyPartnerIds[i],
      currency: c.currency,
      parent_id: parent,
      parent_path: parentPaths[i],
      sequence: i * 10,
      email: partners[i].email,
    };
  });
  await db.query(
    insertRows(
      'res_company',
      ['id', 'name', 'partner_id', 'currency_id', 'parent_id', 'sequence', 'email', 'active', 'layout_background', 'create_date', 'create_uid', 'write_uid'],
      `SELECT r.id, r.name, r.partner_id, cur.id, r.parent_id, r.sequence, r.email, true, 'Blank', $2::timestamp, $3::int, $3::int
         FROM jsonb_to_recordset($1) AS r(id int, name text, partner_id int, currency text, parent_id int, sequence int, email text)
         JOIN res_currency cur ON cur.name = r.currency
        ORDER BY r.id`,
      `ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, partner_id = EXCLUDED.partner_id, currency_id = EXCLUDED.currency_id,
         parent_id = EXCLUDED.parent_id, sequence = EXCLUDED.sequence,
         email = EXCLUDED.email, create_date = EXCLUDED.create_date`,
      model(ids.company_id),
    ),
    [JSON.stringify(companies), created.toISOString(), ids.root_id],
  );
  // res.company is a _parent_store (branches) from 17.0 on; 16.0 has no parent_path.
  if (series !== '16.0') {
    await db.query(
      `UPDATE res_company c SET parent_path = r.parent_path FROM jsonb_to_recordset($1) AS r(id int, parent_path text) WHERE c.id = r.id`,
      [JSON.stringify(companies.map((c) => ({ id: c.id, parent_path: c.parent_path })))],
    );
  }
  await db.query(
    `UPDATE res_partner p SET company_id = r.company_id FROM jsonb_to_recordset($1) AS r(id int, company_id int) WHERE p.id = r.id`,
    [JSON.stringify(partners.map((p) => ({ id: p.id, company_id: p.company_id })))],
  );

  const users = tenant.users.map((u, i) => ({
    id: userIds[i],
    login: u.login,
    password:
      u.password === null
        ? null
        : hashOdooPassword(u.password ?? DEMO_USER_PASSWORD, { rounds: DEMO_PASSWORD_ROUNDS }),
    active: u.active,
    share: u.share,
    company_id: companyOf(u),
    partner_id: userPartnerIds[i],
    oauth_provider_id: u.oauthUid ? ids.provider_id : null,
    oauth_uid: u.oauthUid ?? null,
    create_date: new Date(created.getTime() + i * 3_600_000).toISOString(),
  }));
  await db.query(
    insertRows(
      'res_users',
      ['id', 'login', 'password', 'active', 'share', 'company_id', 'partner_id', 'notification_type', 'oauth_provider_id', 'oauth_uid', 'create_date', 'create_uid', 'write_uid'],
      `SELECT r.id, r.login, r.password, r.active, r.share, r.company_id, r.partner_id, 'email', r.oauth_provider_id, r.oauth_uid, r.create_date, $2::int, $2::int
         FROM jsonb_to_recordset($1) AS r(id int, login text, password text, active bool, share bool, company_id int, partner_id int,
                                          oauth_provider_id int, oauth_uid text, create_date timestamp)`,
      `ON CONFLICT (id) DO UPDATE SET login = EXCLUDED.login, password = EXCLUDED.password, active = EXCLUDED.active,
         share = EXCLUDED.share, company_id = EXCLUDED.company_id, partner_id = EXCLUDED.partner_id,
         oauth_provider_id = EXCLUDED.oauth_provider_id, oauth_uid = EXCLUDED.oauth_uid, create_date = EXCLUDED.create_date`,
      model(ids.admin_id),
    ),
    [JSON.stringify(users), ids.root_id],
  );

  // Allowed companies: administrators and the superuser see every company, others their own and the main one.
  const allowed: { cid: number; user_id: number }[] = companyIds.map((cid) => ({
    cid,
    user_id: ids.root_id,
  }));
  tenant.users.forEach((u, i) => {
    const cids = u.admin ? companyIds : [...new Set([companyIds[0], companyOf(u)])];
    for (const cid of cids) allowed.push({ cid, user_id: userIds[i] });
  });
  await db.query(
    `INSERT INTO res_company_users_rel (cid, user_id) SELECT r.cid, r.user_id FROM jsonb_to_recordset($1) AS r(cid int, user_id int)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(allowed)],
  );

  const memberships = tenant.users.flatMap((u, i) =>
    groupXmlIds(u).map((xmlid) => ({ uid: userIds[i], xmlid })),
  );
  // The template's administrator keeps the groups Odoo gave it when it installed the modules.
  if (!madeByOdoo) await db.query(`DELETE FROM res_groups_users_rel WHERE uid = $1`, [ids.admin_id]);
  await db.query(
    `INSERT INTO res_groups_users_rel (uid, gid)
     SELECT r.uid, d.res_id FROM jsonb_to_recordset($1) AS r(uid int, xmlid text)
       JOIN ir_model_data d ON d.model = 'res.groups' AND d.module = split_part(r.xmlid, '.', 1) AND d.name = split_part(r.xmlid, '.', 2)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(memberships)],
  );

  const now = Date.now();
  const logins = tenant.users.flatMap((u, i) =>
    u.lastLoginDaysAgo === undefined
      ? []
      : [
          {
            uid: userIds[i],
            at: new Date(
              Math.max(created.getTime(), now - u.lastLoginDaysAgo * DAY_MS - prng.int(0, 600) * 60_000),
            ).toISOString(),
          },
        ],
  );
  await db.query(
    `INSERT INTO res_users_log (create_uid, create_date, write_uid, write_date)
     SELECT r.uid, r.at, r.uid, r.at FROM jsonb_to_recordset($1) AS r(uid int, at timestamp)`,
    [JSON.stringify(logins)],
  );

  const params: Record<string, string> = {
    'database.uuid': mb.uuid,
    'database.secret': randomUUID(),
    'database.create_date': odooDatetime(created),
    'web.base.url': `https://${mb.name}.dbtools.test`,
  };
  if (mb.expire_date && (mb.mode === 'trial' || mb.mode === 'paid')) {
    params['database.expiration_date'] = odooDatetime(mb.expire_date);
    if (mb.mode === 'trial') params['database.expiration_reason'] = 'trial';
  }
  if (mb.subcode) params['database.enterprise_code'] = mb.subcode;
  await db.query(
    `INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
     SELECT k, v, $2, $2, $3, $3 FROM jsonb_each_text($1) AS p(k, v)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = EXCLUDED.write_date`,
    [JSON.stringify(params), ids.root_id, created.toISOString()],
  );

  // A database Odoo made has the modules it installed; a schema template is told its apps.
  if (!madeByOdoo) {
    await db.query(
      `UPDATE ir_module_module SET latest_version = CASE WHEN name = 'base' THEN $1 ELSE $2 END, write_date = $3 WHERE state = 'installed'`,
      [moduleVersion(mb.version, '1.3'), moduleVersion(mb.version), created.toISOString()],
    );
    await db.query(
      `INSERT INTO ir_module_module (name, state, application, latest_version, shortdesc, write_date)
       SELECT a, 'installed', true, $2, jsonb_build_object('en_US', a), $3 FROM unnest($1::text[]) AS a
       ON CONFLICT (name) DO UPDATE SET state = 'installed', application = true, latest_version = EXCLUDED.latest_version,
         write_date = EXCLUDED.write_date`,
      [tenant.apps, moduleVersion(mb.version), created.toISOString()],
    );
  }

  await seedMail(db, spec, ids, prng);

  if (tenant.iapServices.length > 0) {
    const accounts = tenant.iapServices.map((service, i) => ({
      service_name: service,
      account_token: randomUUID().replace(/-/g, ''),
      // The first account belongs to the main company; the others are shared by all companies.
      companies: i === 0 ? [companyIds[0]] : companyIds,
    }));
    // 18.0 stores the service as a record of iap.service (its template has one per catalog service).
    const insertAccounts =
      series === '18.0'
        ? `INSERT INTO iap_account (service_id, account_token, create_uid, create_date)
           SELECT s.id, r.account_token, $2, $3 FROM r JOIN iap_service s ON s.technical_name = r.service_name
           RETURNING id, account_token`
        : `INSERT INTO iap_account (service_name, account_token, create_uid, create_date)
           SELECT service_name, account_token, $2, $3 FROM r RETURNING id, account_token`;
    await db.query(
      `WITH r AS (SELECT * FROM jsonb_to_recordset($1) AS r(service_name text, account_token text, companies int[])),
            a AS (${insertAccounts})
       INSERT INTO iap_account_res_company_rel (iap_account_id, res_company_id)
       SELECT a.id, c FROM a JOIN r USING (account_token), unnest(r.companies) AS c`,
      [JSON.stringify(accounts), ids.admin_id, created.toISOString()],
    );
  }

  await seedAttachments(db, spec, filestoreRoot, companyIds[0], ids.admin_id, prng);

  await db.query(`UPDATE website SET name = $1, domain = $2 WHERE id = (SELECT min(id) FROM website)`, [
    tenant.companies[0].name,
    `https://${mb.name}.dbtools.test`,
  ]);
  // The publisher-warranty ping runs weekly from the database's creation onwards.
  await db.query(
    `UPDATE ir_cron SET nextcall = $1, lastcall = $2
      WHERE id = (SELECT res_id FROM ir_model_data WHERE module = 'mail' AND name = 'ir_cron_module_update_notification')`,
    [
      new Date(now + prng.int(1, 7 * 24) * 3_600_000).toISOString(),
      new Date(Math.max(created.getTime(), now - 5 * DAY_MS)).toISOString(),
    ],
  );
  await db.query(`SELECT setval('res_partner_id_seq', (SELECT max(id) FROM res_partner)),
                         setval('res_company_id_seq', (SELECT max(id) FROM res_company)),
                         setval('res_users_id_seq', (SELECT max(id) FROM res_users))`);
  if (tenant.neutralized) await neutralizeDatabase(db, mb.version);
}

async function seedMail(db: pg.Client, spec: DemoDatabaseSpec, ids: TemplateIds, prng: Prng): Promise<void> {
  const { metabase: mb, tenant } = spec;
  const span = Math.max(1, Math.min(60, Math.floor((Date.now() - mb.create_date.getTime()) / DAY_MS)));
  const sent = Math.max(tenant.mailsSent, tenant.bounces);
  const queued = prng.int(0, 3);
  const failed = prng.int(0, 2);
  // mail.mail _inherits mail.message: the subject, sender, Message-Id and server are the message's.
  await db.query(
    `WITH g AS (
       SELECT g,
              CASE WHEN g <= $1::int THEN 'sent' WHEN g <= $1 + $2 THEN 'outgoing' ELSE 'exception' END AS state,
              '<' || g || '.' || md5($6 || g) || '@' || $7 || '>' AS message_id,
              now() at time zone 'UTC' - make_interval(mins => ((($1::int + $2::int + $3::int - g) * $10::int * 1440) / greatest($1::int + $2::int + $3::int, 1))::int) AS at
         FROM generate_series(1, $1::int + $2::int + $3::int) AS g),
     msg AS (
       INSERT INTO mail_message (message_type, subject, email_from, message_id, mail_server_id, date, create_uid, create_date, write_uid, write_date)
       SELECT 'email', replace(($5::text[])[1 + g % cardinality($5::text[])], '{ref}', 'S' || lpad((10000 + g)::text, 5, '0')),
              $4, message_id, $8, at, $9, at, $9, at
         FROM g ORDER BY g
       RETURNING id, message_id)
     INSERT INTO mail_mail (mail_message_id, state, failure_type, failure_reason, email_to, create_uid, create_date, write_uid, write_date)
     SELECT msg.id, g.state,
            CASE WHEN g > $1 + $2 THEN (ARRAY['mail_smtp', 'mail_email_invalid'])[1 + g % 2] END,
            CASE WHEN g > $1 + $2 THEN (ARRAY['Connection unexpectedly closed: timed out', 'Invalid email address'])[1 + g % 2] END,
            'contact' || (g % 97) || '@' || (ARRAY['brightside-catering', 'lakeview-hotel', 'rivera-imports', 'atlas-foods'])[1 + g % 4] || '.example',
            $9, g.at, $9, g.at
       FROM g JOIN msg USING (message_id)
      ORDER BY g.g`,
    [
      sent,
      queued,
      failed,
      `"${tenant.companies[0].name}" <notifications@${mb.name}.example>`,
      SUBJECTS,
      mb.name,
      `${mb.name}.dbtools.test`,
      ids.mail_server_id,
      ids.admin_id,
      span,
    ],
  );
  // Sent mails carry a trace; the first `bounces` of them bounced.
  await db.query(
    `INSERT INTO mailing_trace (trace_type, trace_status, failure_type, failure_reason, email, message_id, model, res_id,
                                mail_mail_id, mail_mail_id_int, sent_datetime, open_datetime, create_date)
     SELECT 'mail',
            CASE WHEN n <= $1 THEN 'bounce' WHEN n % 5 = 0 THEN 'open' WHEN n % 11 = 0 THEN 'reply' ELSE 'sent' END,
            CASE WHEN n <= $1 THEN 'mail_bounce' END,
            CASE WHEN n <= $1 THEN replace(($2::text[])[1 + n % cardinality($2::text[])], '{email}', m.email_to) END,
            m.email_to, m.message_id, 'res.partner', 1 + n % 50, m.id, m.id, m.create_date + interval '20 seconds',
            CASE WHEN n > $1 AND n % 5 = 0 THEN m.create_date + interval '3 hours' END, m.create_date
       FROM (SELECT mm.id, mm.email_to, mm.create_date, mg.message_id, row_number() OVER (ORDER BY mm.id) AS n
               FROM mail_mail mm JOIN mail_message mg ON mg.id = mm.mail_message_id WHERE mm.state = 'sent') AS m`,
    [tenant.bounces, BOUNCE_REASONS],
  );
}

async function seedAttachments(
  db: pg.Client,
  spec: DemoDatabaseSpec,
  filestoreRoot: string,
  companyId: number,
  uid: number,
  prng: Prng,
): Promise<void> {
  const { metabase: mb, tenant } = spec;
  const contents = demoAttachmentContents(mb.name, tenant.companies[0].name, tenant.attachments, prng);
  const rows = contents.map((a, i) => {
    const checksum = attachmentChecksum(a.content);
    return {
      name: a.name,
      res_model: a.resModel,
      res_id: i + 1,
      company_id: companyId,
      store_fname: storeFnameFor(checksum),
      file_size: a.content.length,
      checksum,
      mimetype: a.mimetype,
      content: a.content,
      create_date: new Date(mb.create_date.getTime() + ((i + 1) * DAY_MS) / 4).toISOString(),
    };
  });
  await Promise.all(
    rows.map(async (r) => {
      const file = attachmentPath(filestoreRoot, mb.name, r.store_fname);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, r.content);
    }),
  );
  await db.query(
    `INSERT INTO ir_attachment (name, res_model, res_id, company_id, type, store_fname, file_size, checksum, mimetype, create_uid, create_date)
     SELECT r.name, r.res_model, r.res_id, r.company_id, 'binary', r.store_fname, r.file_size, r.checksum, r.mimetype, $2, r.create_date
       FROM jsonb_to_recordset($1) AS r(name text, res_model text, res_id int, company_id int, store_fname text, file_size int,
                                        checksum text, mimetype text, create_date timestamp)`,
    [JSON.stringify(rows.map(({ content: _content, ...r }) => r)), uid],
  );
}

/**
 * Removes a tenant database and its filestore folder. WITH (FORCE) terminates the sessions
 * still connected to it (Odoo's exp_drop does the same by hand before DROP DATABASE).
 */
export async function dropTenantDatabase(
  admin: pg.Client,
  name: string,
  filestoreRoot: string,
): Promise<void> {
  await dropDatabase(admin, name);
  await dropTenantRole(admin, tenantRoleName(name));
  await rm(databaseFilestore(filestoreRoot, name), { recursive: true, force: true });
}

export interface SeedReport {
  database: string;
  ms: number;
}

/**
 * Seeds many tenants with at most `concurrency` at once, each on its own admin connection:
 * CREATE DATABASE holds a connection for its whole copy, so one shared client would serialize them.
 */
export async function seedTenantDatabases(
  openAdmin: () => Promise<pg.Client>,
  secret: Buffer,
  specs: DemoDatabaseSpec[],
  filestoreRoot: string,
  originOf: ((spec: DemoDatabaseSpec) => TenantOrigin) | undefined = undefined,
  concurrency = 3,
): Promise<SeedReport[]> {
  const reports: SeedReport[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    const admin = await openAdmin();
    // An idle client whose server goes away must not crash the process with an unhandled 'error'.
    admin.on('error', () => undefined);
    try {
      while (!failed && next < specs.length) {
        const spec = specs[next++];
        const started = performance.now();
        await seedTenantDatabase(admin, secret, spec, filestoreRoot, originOf?.(spec));
        reports.push({ database: spec.metabase.name, ms: Math.round(performance.now() - started) });
      }
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      await admin.end().catch(() => undefined);
    }
  };
  // Let every worker finish its current tenant before reporting the first failure.
  const results = await Promise.allSettled(
    Array.from({ length: Math.max(1, Math.min(concurrency, specs.length)) }, worker),
  );
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return reports;
}
