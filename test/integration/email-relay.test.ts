import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { listOutbox } from '../../src/mail/catcher.js';
import { wireTenantToRelay } from '../../src/mail/relay/credentials.js';
import { relayDay } from '../../src/mail/relay/day.js';
import { startMailRelay, type MailRelay } from '../../src/mail/relay/start.js';
import { bounceAddress } from '../../src/mail/relay/verp.js';
import { relayDays } from '../../src/metabase/repositories/email-relay.js';
import { updateDatabase } from '../../src/metabase/repositories/databases.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { defaultMailServer } from '../../src/tenant/relay-mail-server.js';
import { findAgentByLogin } from '../../src/metabase/repositories/agents.js';
import { toolsPage } from '../../src/tools/page.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

// A controlled clock: the relay counts on app.now().
let clock = new Date('2026-11-29T12:00:00Z');
let app: App & { close(): Promise<void> };
let relay: MailRelay;
const DAY_START_HOUR = 6;

beforeAll(async () => {
  app = await connectTestApp({ now: () => clock });
  app.config.relay.dayStartHour = DAY_START_HOUR;
  relay = await startMailRelay(app);
});
afterAll(async () => {
  await relay.close();
  await app.close();
});

/** The credentials Odoo would use: its default outgoing server record, read from the tenant. */
async function tenantCredentials(db: DatabaseRow) {
  const server = await app.tenants.withTenant(db, defaultMailServer);
  return { user: server!.smtp_user!, pass: server!.smtp_pass! };
}

function client(auth: { user: string; pass: string }, port = relay.address.port) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, auth });
}

async function wiredTenant(limit: number, base?: string): Promise<DatabaseRow> {
  const db = await createTestTenant(app, { prefix: 'relay', base });
  await updateDatabase(app.metabase, db.name, { email_daily_limit: limit });
  await wireTenantToRelay(app, db, relay.address);
  return db;
}

const mail = (db: DatabaseRow, subject: string) => ({
  from: `shop@${db.name}.example`,
  to: 'customer@example.com',
  subject,
  text: 'Hello from Odoo',
});

async function outboxSubjects(prefix: string): Promise<string[]> {
  return (await listOutbox(app.config.dataDir, 10_000)).map((m) => m.subject).filter((s) => s.startsWith(prefix)).sort();
}

async function today(db: DatabaseRow) {
  const day = relayDay(clock, DAY_START_HOUR);
  return (await relayDays(app.metabase, db.name, day, day))[0];
}

describe('email relay', () => {
  it("writes the relay as the tenant's default outgoing server, with credentials only that database can use", async () => {
    const a = await wiredTenant(10);
    const b = await wiredTenant(10);
    const server = await app.tenants.withTenant(a, defaultMailServer);
    expect(server).toMatchObject({
      name: 'dbtools mail relay',
      smtp_host: '127.0.0.1',
      smtp_port: relay.address.port,
      smtp_user: a.name,
    });
    const credA = await tenantCredentials(a);
    const credB = await tenantCredentials(b);
    expect(credA.pass).not.toBe(credB.pass);
    // The metabase keeps only an argon2id hash.
    const stored = await app.metabase
      .selectFrom('email_relay_credential')
      .selectAll()
      .where('database_name', '=', a.name)
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    expect(stored.password_hash).not.toContain(credA.pass);

    await client(credA).sendMail(mail(a, `auth-${a.name}`));
    await expect(client({ user: a.name, pass: credB.pass }).sendMail(mail(a, 'nope'))).rejects.toMatchObject({
      code: 'EAUTH',
      responseCode: 535,
    });
    await expect(client({ user: 'no-such-db', pass: credA.pass }).sendMail(mail(a, 'nope'))).rejects.toMatchObject({
      responseCode: 535,
    });
    expect((await today(a)).sent).toBe(1);
    expect(await today(b)).toBeUndefined();
  });

  it('a 16.0 tenant whose relay record was deleted gets it back, with every required column, and new credentials', async () => {
    const db = await createTestTenant(app, { prefix: 'relay16', base: 'brouwerij-de-kroon' });
    expect(db.version).toBe('16.0');
    await wireTenantToRelay(app, db, relay.address);
    const before = await tenantCredentials(db);
    await app.tenants.withTenant(db, (c) => c.query(`DELETE FROM ir_mail_server WHERE name = 'dbtools mail relay'`));
    await app.tenants.withTenant(db, (c) =>
      c.query(`INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_authentication, smtp_encryption, active, sequence)
               VALUES ('customer own server', 'smtp.customer.example', 587, 'login', 'starttls', true, 1)`),
    );
    expect(await wireTenantToRelay(app, db, relay.address)).toEqual({ newCredentials: true });
    const after = await tenantCredentials(db);
    expect(after.pass).not.toBe(before.pass);
    // Below the customer's own server (sequence 1), so Odoo picks the relay first.
    expect((await app.tenants.withTenant(db, defaultMailServer))?.name).toBe('dbtools mail relay');
    await client(after).sendMail(mail(db, `v16-${db.name}`));
    await expect(client(before).sendMail(mail(db, 'old password'))).rejects.toMatchObject({ responseCode: 535 });
  });

  it('accepts up to the daily limit and answers the next message with a temporary error saying the limit is reached; none below it is lost', async () => {
    const db = await wiredTenant(3);
    const transport = client(await tenantCredentials(db));
    for (let i = 1; i <= 3; i++) {
      const info = await transport.sendMail(mail(db, `limit-${db.name}-${i}`));
      expect(info.response).toMatch(/^250 /);
    }
    const refused = transport.sendMail(mail(db, `limit-${db.name}-4`));
    await expect(refused).rejects.toMatchObject({ responseCode: 451 });
    await expect(refused).rejects.toThrow(/Daily e-mail limit reached: .* may send 3 messages a day; try again after 06:00 UTC/);
    expect(await outboxSubjects(`limit-${db.name}-`)).toEqual([1, 2, 3].map((i) => `limit-${db.name}-${i}`));
    expect(await today(db)).toMatchObject({ sent: 3, refused: 1 });
  });

  it('never lets concurrent messages past the limit', async () => {
    const db = await wiredTenant(5);
    const auth = await tenantCredentials(db);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => client(auth).sendMail(mail(db, `race-${db.name}-${i}`))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(
      results.filter((r) => r.status === 'rejected' && (r.reason as { responseCode?: number }).responseCode === 451),
    ).toHaveLength(7);
    expect(await outboxSubjects(`race-${db.name}-`)).toHaveLength(5);
    expect(await today(db)).toMatchObject({ sent: 5, refused: 7 });
  });

  it('starts a new day at the configured UTC hour', async () => {
    const db = await wiredTenant(1);
    const transport = client(await tenantCredentials(db));
    clock = new Date('2026-11-30T05:59:00Z'); // still the relay day of 29 November
    await transport.sendMail(mail(db, `reset-${db.name}-a`));
    await expect(transport.sendMail(mail(db, `reset-${db.name}-b`))).rejects.toMatchObject({ responseCode: 451 });
    clock = new Date('2026-11-30T06:00:00Z');
    await transport.sendMail(mail(db, `reset-${db.name}-c`));
    const days = await relayDays(app.metabase, db.name, '2026-11-29', '2026-11-30');
    expect(days.map(({ day, sent, refused }) => ({ day, sent, refused }))).toEqual([
      { day: '2026-11-29', sent: 1, refused: 1 },
      { day: '2026-11-30', sent: 1, refused: 0 },
    ]);
    clock = new Date('2026-11-29T12:00:00Z');
  });

  it("forwards to the upstream with the database's VERP bounce address as envelope sender", async () => {
    const envelopes: { from: string; to: string[] }[] = [];
    const upstream = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          envelopes.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.server.address() as { port: number }).port;
    const previous = app.config.smtpUrl;
    app.config.smtpUrl = `smtp://127.0.0.1:${port}`;
    try {
      const db = await wiredTenant(10);
      await client(await tenantCredentials(db)).sendMail({ ...mail(db, 'verp'), to: ['x@example.com', 'y@example.com'] });
      expect(envelopes).toEqual([
        { from: bounceAddress(db.name, app.config.relay.bounceDomain), to: ['x@example.com', 'y@example.com'] },
      ]);
    } finally {
      app.config.smtpUrl = previous;
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});

const dsn = (db: string, domain: string) =>
  [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
    `To: ${bounceAddress(db, domain)}`,
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"',
    '',
    '--DSN',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '--DSN',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.com',
    'Arrival-Date: Sun, 29 Nov 2026 11:58:00 +0000',
    '',
    'Final-Recipient: rfc822; nobody@example.com',
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: Recipient address',
    ' rejected: User unknown',
    '',
    'Final-Recipient: rfc822; full@example.com',
    'Action: failed',
    'Status: 4.2.2',
    'Diagnostic-Code: smtp; 452 4.2.2 Mailbox full',
    '',
    'Final-Recipient: rfc822; slow@example.com',
    'Action: delayed',
    'Status: 4.4.7',
    '',
    '--DSN',
    'Content-Type: text/rfc822-headers',
    '',
    'From: shop@example.com',
    'Subject: Your invoice',
    '',
    '--DSN--',
    '',
  ].join('\r\n');

const arf = (db: string, domain: string, feedbackType: string) =>
  [
    'From: <abuse@isp.example>',
    `To: ${bounceAddress(db, domain)}`,
    'Subject: FW: Your invoice',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"',
    '',
    '--ARF',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report for an email message received from IP 192.0.2.1.',
    '',
    '--ARF',
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${feedbackType}`,
    'User-Agent: SomeGenerator/1.0',
    'Version: 1',
    `Original-Mail-From: <${bounceAddress(db, domain)}>`,
    'Original-Rcpt-To: <user@example.com>',
    'Arrival-Date: Sun, 29 Nov 2026 11:00:00 +0000',
    '',
    '--ARF',
    'Content-Type: message/rfc822',
    '',
    'From: shop@example.com',
    'Subject: Your invoice',
    '',
    'Hello',
    '--ARF--',
    '',
  ].join('\r\n');

describe('bounces and complaints', () => {
  const receiver = () =>
    nodemailer.createTransport({ host: '127.0.0.1', port: relay.bouncePort, secure: false, ignoreTLS: true });

  it('counts the failed recipients of a delivery status notification as hard (5.x.x) and soft (4.x.x) bounces, delays not', async () => {
    const db = await wiredTenant(10);
    const domain = app.config.relay.bounceDomain;
    await receiver().sendMail({
      envelope: { from: '', to: bounceAddress(db.name, domain) },
      raw: dsn(db.name, domain),
    });
    expect(await today(db)).toMatchObject({ hard_bounces: 1, soft_bounces: 1, complaints: 0 });
  });

  it('counts a feedback-loop report as a complaint, but not a not-spam report', async () => {
    const db = await wiredTenant(10);
    const domain = app.config.relay.bounceDomain;
    const to = bounceAddress(db.name, domain);
    await receiver().sendMail({ envelope: { from: 'abuse@isp.example', to }, raw: arf(db.name, domain, 'abuse') });
    await receiver().sendMail({ envelope: { from: 'abuse@isp.example', to }, raw: arf(db.name, domain, 'not-spam') });
    expect(await today(db)).toMatchObject({ complaints: 1, hard_bounces: 0, soft_bounces: 0 });
  });

  it('refuses reports for addresses that are not a database VERP address', async () => {
    const domain = app.config.relay.bounceDomain;
    await expect(
      receiver().sendMail({ envelope: { from: '', to: `bounce+no-such-db@${domain}` }, raw: dsn('no-such-db', domain) }),
    ).rejects.toMatchObject({ responseCode: 550 });
    await expect(
      receiver().sendMail({ envelope: { from: '', to: 'postmaster@elsewhere.example' }, raw: dsn('x', domain) }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });
});

describe('live counts on the Tools page', () => {
  it("shows today's relay sends against the limit, the tenant's sends through its own server, and the total", async () => {
    const db = await wiredTenant(2);
    await app.metabase.updateTable('database').set({ email_total_count: 100 }).where('name', '=', db.name).execute();
    const transport = client(await tenantCredentials(db));
    await transport.sendMail(mail(db, `page-${db.name}-1`));
    await transport.sendMail(mail(db, `page-${db.name}-2`));
    await expect(transport.sendMail(mail(db, `page-${db.name}-3`))).rejects.toMatchObject({ responseCode: 451 });
    // Two mails sent today through the customer's own server, one yesterday (before 06:00 UTC), one failed.
    await app.tenants.withTenant(db, (c) =>
      c.query(
        `WITH s AS (INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_authentication, smtp_encryption, active, sequence)
                    VALUES ('customer own server', 'smtp.customer.example', 587, 'login', 'starttls', true, 20) RETURNING id),
              m AS (INSERT INTO mail_message (message_type, mail_server_id) SELECT 'email', s.id FROM s, generate_series(1, 4) RETURNING id)
         INSERT INTO mail_mail (mail_message_id, state, write_date)
         SELECT id, CASE WHEN n = 4 THEN 'exception' ELSE 'sent' END,
                CASE WHEN n = 3 THEN '2026-11-29 05:30:00'::timestamp ELSE '2026-11-29 11:00:00'::timestamp END
           FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM m) x`,
      ),
    );
    const agent = (await findAgentByLogin(app.metabase, 'functional'))!;
    const page = await toolsPage(app, agent, db.name);
    expect(page.database).toMatchObject({
      email_daily_count: 2,
      email_daily_limit: 2,
      ext_email_daily_count: 2,
      email_total_count: 102,
    });
    const section = page.tools.email_limit as {
      sentToday: number;
      days: { day: string; sent: number; refused: number; limit: number | null }[];
      badge: { color: string; reasons: { rule: string; text: string }[] };
      nextAutomaticChange: null;
    };
    expect(section).toMatchObject({ sentToday: 2, refusedToday: 1, current: 2 });
    expect(section.days).toHaveLength(30);
    expect(section.days.at(-1)).toEqual({ day: '2026-11-29', sent: 2, refused: 1, bounced: 0, complaints: 0, limit: 2 });
    expect(section.days[0]).toMatchObject({ day: '2026-10-31', sent: 0, limit: null });
    expect(['green', 'orange', 'red']).toContain(section.badge.color);
    expect(section.badge.reasons.find((r) => r.rule === 'bounce rate')?.text).toBe(
      '2 sent in 30 days: below 100, bounce and complaint rates are not judged',
    );
  });
});
