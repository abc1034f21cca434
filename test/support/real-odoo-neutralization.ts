/**
 * What the neutralization suites compare on databases made by real Odoo: the tables each
 * module's neutralize.sql writes, a customer's live settings for those files to act on, and a
 * table's whole content, row by row.
 */
import pg from 'pg';
import type { OdooSeries } from '../../src/tenant/odoo-version.js';

/** The tables a neutralize.sql writes: UPDATE, INSERT INTO, DELETE FROM, TRUNCATE. */
export function tablesWritten(sql: string): string[] {
  const found = new Set<string>();
  // `ON CONFLICT ... DO UPDATE SET` writes the INSERT's table, named already.
  const re = /(?<!\bDO\s+)\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+([a-z_][a-z0-9_]*)/gi;
  for (const m of sql.replace(/--[^\n]*/g, '').matchAll(re)) found.add(m[1].toLowerCase());
  return [...found];
}

/** What a customer's database has for the neutralization to act on, with each series' required columns. */
export async function customerData(db: pg.Client, series: OdooSeries): Promise<void> {
  await db.query(`UPDATE auth_oauth_provider SET enabled = true`);
  await db.query(
    `INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_encryption, smtp_authentication, active, sequence)
     VALUES ('Customer Office 365', 'smtp.office365.com', 587, 'starttls', 'login', true, 5)`,
  );
  await db.query(
    `UPDATE mail_template SET mail_server_id = (SELECT max(id) FROM ir_mail_server) WHERE id = (SELECT min(id) FROM mail_template)`,
  );
  await db.query(
    `UPDATE payment_provider SET state = 'enabled', stripe_secret_key = 'sk_live_x', stripe_publishable_key = 'pk_live_x',
            stripe_webhook_secret = 'whsec_x' WHERE code = 'stripe'`,
  );
  await db.query(
    `INSERT INTO ir_config_parameter (key, value) VALUES ('mail.web_push_vapid_private_key', 'private'),
       ('mail.web_push_vapid_public_key', 'public'), ('mail.sfu_server_key', 'sfu') ON CONFLICT (key) DO NOTHING`,
  );
  const tokens = ['0123456789abcdef0123456789abcdef', '01234567-89ab-4def-8123-456789abcdef'];
  if (series === '18.0') {
    await db.query(
      `INSERT INTO iap_account (service_id, account_token) SELECT s.id, t FROM (SELECT id FROM iap_service ORDER BY id LIMIT 1) s, unnest($1::text[]) t`,
      [tokens],
    );
  } else {
    await db.query(`INSERT INTO iap_account (service_name, account_token) SELECT 'sms', t FROM unnest($1::text[]) t`, [tokens]);
  }
}

/**
 * Tables whose live state customerData sets by hand (a mail server, crons, parameters, views):
 * livening them wholesale would switch every view or cron, which no customer has.
 */
const SET_BY_HAND = new Set(['ir_ui_view', 'ir_cron', 'ir_mail_server', 'ir_config_parameter', 'ir_act_server', 'mail_template', 'iap_account']);

/** `UPDATE <table> SET <column> = <value>, …` of a neutralize.sql: the values it writes, by table and column. */
export function columnsReset(sql: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const text = sql.replace(/--[^\n]*/g, '');
  for (const m of text.matchAll(/\bUPDATE\s+([a-z_][a-z0-9_]*)\s+SET\s+([\s\S]*?)(?=\bWHERE\b|;|$)/gi)) {
    const table = m[1].toLowerCase();
    const columns = out.get(table) ?? new Map<string, string>();
    // Each assignment starts the list or follows a comma: `col = value` (a CASE expression stays whole).
    for (const a of m[2].matchAll(/(?:^|,)\s*([a-z_][a-z0-9_]*)\s*=\s*([^,]*)/gi)) columns.set(a[1].toLowerCase(), a[2].trim());
    out.set(table, columns);
  }
  return out;
}

/**
 * A live customer for every module's file at once: each text column a neutralize.sql resets gets
 * a live-looking value and each boolean it sets to a literal the opposite one, on every row of
 * its table, and every payment provider is enabled. Without it most files would change nothing
 * on a freshly installed database and "equal to Odoo" would prove little. Answers the columns
 * set, by table.
 */
export async function livenForNeutralization(db: pg.Client, files: { sql: string }[]): Promise<Map<string, string[]>> {
  const wanted = new Map<string, Map<string, string>>();
  for (const f of files)
    for (const [table, columns] of columnsReset(f.sql)) {
      if (SET_BY_HAND.has(table)) continue;
      const all = wanted.get(table) ?? new Map<string, string>();
      for (const [c, v] of columns) all.set(c, v);
      wanted.set(table, all);
    }
  const livened = new Map<string, string[]>();
  for (const [table, columns] of wanted) {
    const { rows } = await db.query<{ column_name: string; data_type: string; size: number | null }>(
      `SELECT column_name, data_type, character_maximum_length AS size FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = $1 AND column_name = ANY($2)`,
      [table, [...columns.keys()]],
    );
    const set: string[] = [];
    const assignments = rows.flatMap(({ column_name, data_type, size }) => {
      const column = pg.escapeIdentifier(column_name);
      const written = columns.get(column_name)!.toLowerCase();
      let live: string | undefined;
      if (data_type === 'boolean' && (written === 'true' || written === 'false')) live = written === 'true' ? 'false' : 'true';
      if (data_type === 'character varying' || data_type === 'text') live = pg.escapeLiteral(`live-${column_name}`.slice(0, size ?? undefined));
      if (live === undefined) return [];
      set.push(column_name);
      return [`${column} = ${live}`];
    });
    if (!assignments.length) continue;
    await db.query(`UPDATE ${pg.escapeIdentifier(table)} SET ${assignments.join(', ')}`);
    livened.set(table, set);
  }
  await db.query(`UPDATE payment_provider SET state = 'enabled'`);
  return livened;
}

/** A table's rows as JSON text, sorted: two databases' tables are equal when these are. */
export async function tableContent(db: pg.Client, table: string): Promise<string[]> {
  const { rows } = await db.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM ${pg.escapeIdentifier(table)} t ORDER BY 1`);
  return rows.map((x) => x.r);
}
