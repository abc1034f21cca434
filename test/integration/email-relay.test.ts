import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { listOutbox, outboxDir } from '../../src/mail/catcher.js';
import { databaseHost } from '../../src/frontend/host-name.js';
import { insertDomain, updateDomain } from '../../src/metabase/repositories/domains.js';
import { setConfigParameter } from '../../src/tenant/config-parameters.js';
import { wireTenantToRelay } from '../../src/mail/relay/credentials.js';
import { relayDay } from '../../src/mail/relay/day.js';
import { startMailRelay, type MailRelay } from '../../src/mail/relay/start.js';
import { BOUNCE_ADDRESS_DAYS, bounceAddress, verifyBounceAddress } from '../../src/mail/relay/verp.js';
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
      // One copy per recipient, each with a bounce address of its own, signed for this database.
      expect(envelopes.map((e) => e.to).sort()).toEqual([['x@example.com'], ['y@example.com']]);
      const domain = app.config.relay.bounceDomain;
      for (const e of envelopes) {
        expect(e.from).toMatch(new RegExp(`^bounce\\+${db.name.replace(/\./g, '\\.')}\\+[0-9a-z]+-[0-9a-f]{8}-[0-9a-f]{16}@${domain}$`));
        expect(verifyBounceAddress(app.secret, e.from, domain, clock)).toMatchObject({ database: db.name });
      }
      expect(envelopes[0].from).not.toBe(envelopes[1].from);
      expect((await today(db)).sent).toBe(1);
    } finally {
      app.config.smtpUrl = previous;
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});

const dsn = (bounceTo: string) =>
  [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
    `To: ${bounceTo}`,
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

const arf = (bounceTo: string, feedbackType: string) =>
  [
    'From: <abuse@isp.example>',
    `To: ${bounceTo}`,
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
    `Original-Mail-From: <${bounceTo}>`,
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
  const domain = () => app.config.relay.bounceDomain;

  // An upstream of our own that keeps each copy's envelope, as the receiving MTA sees it.
  const envelopes: { from: string; to: string }[] = [];
  const upstream = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        for (const r of session.envelope.rcptTo) envelopes.push({ from, to: r.address });
        callback();
      });
    },
  });
  let previous: string | undefined;
  beforeAll(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    previous = app.config.smtpUrl;
    app.config.smtpUrl = `smtp://127.0.0.1:${(upstream.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    app.config.smtpUrl = previous;
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  /** Sends one message through the relay and answers the bounce address of its copy for `to`. */
  async function sentCopy(db: DatabaseRow, to: string): Promise<string> {
    await client(await tenantCredentials(db)).sendMail({ ...mail(db, `copy-${db.name}`), to });
    return envelopes.findLast((e) => e.to === to)!.from;
  }

  async function counts(db: DatabaseRow) {
    const rows = await relayDays(app.metabase, db.name, '2000-01-01', '2100-01-01');
    return rows.reduce(
      (n, r) => ({
        hard_bounces: n.hard_bounces + r.hard_bounces,
        soft_bounces: n.soft_bounces + r.soft_bounces,
        complaints: n.complaints + r.complaints,
      }),
      { hard_bounces: 0, soft_bounces: 0, complaints: 0 },
    );
  }

  it('counts the failed recipients of a delivery status notification as hard (5.x.x) and soft (4.x.x) bounces, delays not', async () => {
    const db = await wiredTenant(10);
    const bounceTo = await sentCopy(db, 'nobody@example.com');
    const info = await receiver().sendMail({ envelope: { from: '', to: bounceTo }, raw: dsn(bounceTo) });
    expect(info.response).toBe('250 Report received');
    expect(await today(db)).toMatchObject({ hard_bounces: 1, soft_bounces: 1, complaints: 0 });
  });

  it('counts a feedback-loop report as a complaint, but not a not-spam report', async () => {
    const db = await wiredTenant(10);
    const to = await sentCopy(db, 'user@example.com');
    await receiver().sendMail({ envelope: { from: 'abuse@isp.example', to }, raw: arf(to, 'not-spam') });
    await receiver().sendMail({ envelope: { from: 'abuse@isp.example', to }, raw: arf(to, 'abuse') });
    expect(await today(db)).toMatchObject({ complaints: 1, hard_bounces: 0, soft_bounces: 0 });
  });

  it('counts a report once per forwarded copy: the same report sent again, or another one to that copy, changes nothing', async () => {
    const db = await wiredTenant(10);
    const bounceTo = await sentCopy(db, 'nobody@example.com');
    for (let i = 0; i < 3; i++) await receiver().sendMail({ envelope: { from: '', to: bounceTo }, raw: dsn(bounceTo) });
    await Promise.all(
      Array.from({ length: 4 }, () =>
        receiver().sendMail({ envelope: { from: 'abuse@isp.example', to: bounceTo }, raw: arf(bounceTo, 'abuse') }),
      ),
    );
    expect(await counts(db)).toEqual({ hard_bounces: 1, soft_bounces: 1, complaints: 1 });
  });

  it('forged reports change no counter: unsigned, wrongly signed, signed for another database, or past their time, all answered as a real one', async () => {
    const db = await wiredTenant(10);
    const other = await wiredTenant(10);
    const real = await sentCopy(db, 'nobody@example.com');
    const ofOther = await sentCopy(other, 'nobody@example.com');
    const tag = ofOther.slice(ofOther.lastIndexOf('+') + 1);
    const flipped = real.replace(/([0-9a-f])@/, (_, c: string) => `${c === '0' ? '1' : '0'}@`);
    const forged = [
      `bounce+${db.name}@${domain()}`, // the old unsigned form
      flipped, // one hex digit of the signature changed
      `bounce+${db.name}+${tag}`, // another database's signed tag under this database's name
      `bounce+${db.name}+zzzzzz-00000000-0000000000000000@${domain()}`,
      bounceAddress(Buffer.from('not the platform secret'), db.name, domain(), clock),
    ];
    for (const bounceTo of forged) {
      for (const raw of [dsn(bounceTo), arf(bounceTo, 'abuse')]) {
        const info = await receiver().sendMail({ envelope: { from: '', to: bounceTo }, raw });
        expect(info.response, bounceTo).toBe('250 Report received');
      }
    }
    // A real one, kept past the life of a bounce address (a replay weeks later).
    const saved = clock;
    clock = new Date(clock.getTime() + (BOUNCE_ADDRESS_DAYS + 1) * 86_400_000);
    try {
      expect((await receiver().sendMail({ envelope: { from: '', to: real }, raw: dsn(real) })).response).toBe(
        '250 Report received',
      );
    } finally {
      clock = saved;
    }
    expect(await counts(db)).toEqual({ hard_bounces: 0, soft_bounces: 0, complaints: 0 });
    expect(await counts(other)).toEqual({ hard_bounces: 0, soft_bounces: 0, complaints: 0 });
  });

  it('answers the address of a database that does not exist exactly as one that does: no name can be probed', async () => {
    const db = await wiredTenant(10);
    const answers = async (to: string) => {
      const info = await receiver().sendMail({ envelope: { from: '', to }, raw: dsn(to) });
      return { accepted: info.accepted, response: info.response };
    };
    const known = await answers(`bounce+${db.name}@${domain()}`);
    const unknown = await answers(`bounce+no-such-db-${process.pid}@${domain()}`);
    expect(known.response).toBe('250 Report received');
    expect(unknown.response).toBe(known.response);
    expect(unknown.accepted).toHaveLength(1);
    // Only another domain is refused, whatever its name.
    await expect(
      receiver().sendMail({ envelope: { from: '', to: 'postmaster@elsewhere.example' }, raw: dsn('x') }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });
});

describe('sender addresses', () => {
  /** The message as the upstream got it, found in the outbox by its subject. */
  async function forwarded(subject: string) {
    const found = (await listOutbox(app.config.dataDir, 10_000)).find((m) => m.subject === subject)!;
    return simpleParser(await readFile(path.join(outboxDir(app.config.dataDir), `${found.id}.eml`)));
  }

  async function send(db: DatabaseRow, headers: { from: string; replyTo?: string }): Promise<string> {
    const subject = `from-${db.name}-${Math.random().toString(36).slice(2)}`;
    await client(await tenantCredentials(db)).sendMail({ ...headers, to: 'customer@example.com', subject, text: 'x' });
    return subject;
  }

  const fromOf = async (subject: string) => {
    const m = await forwarded(subject);
    return { from: m.from?.value[0], replyTo: m.replyTo?.value.map((v) => v.address) };
  };

  it("keeps a From of the database's own domains: its host under the platform zone and its custom domains whose DNS points to it", async () => {
    const db = await wiredTenant(20);
    const host = databaseHost(db.name, app.config.platformZone);
    const custom = `www.shop-${db.name}.example`;
    // Far from due: the platform's own domain checks leave them as they are.
    const later = new Date('2100-01-01T00:00:00Z');
    await insertDomain(app.metabase, { domain: custom, database_name: db.name, next_attempt_at: later });
    await updateDomain(app.metabase, custom, { dns_status: 'ok' });
    await insertDomain(app.metabase, { domain: `unproven-${db.name}.example`, database_name: db.name, next_attempt_at: later });
    for (const from of [`sales@${host}`, `sales@${custom}`, `"Shop" <sales@shop-${db.name}.example>`]) {
      const { from: got, replyTo } = await fromOf(await send(db, { from }));
      expect(from).toContain(got!.address);
      expect(replyTo).toBeUndefined();
    }
    // Added, but its DNS was never seen pointing here: not the customer's until proven.
    const { from: got } = await fromOf(await send(db, { from: `sales@unproven-${db.name}.example` }));
    expect(got!.address).toBe(`notifications@${host}`);
  });

  it("rewrites any other From as Odoo does: the sender's name on the notifications address (mail.default.from @ mail.catchall.domain), the original as Reply-To", async () => {
    const db = await wiredTenant(20);
    const other = await wiredTenant(20);
    const host = databaseHost(db.name, app.config.platformZone);
    await app.tenants.withTenant(db, async (c) => {
      await setConfigParameter(c, 'mail.default.from', 'hello');
      await setConfigParameter(c, 'mail.catchall.domain', host);
    });
    const gmail = await fromOf(await send(db, { from: '"Jane Doe" <jane.doe@gmail.example>' }));
    expect(gmail.from).toEqual({ name: 'Jane Doe', address: `hello@${host}` });
    expect(gmail.replyTo).toEqual(['jane.doe@gmail.example']);
    // Another database's host is not this one's.
    const spoof = await fromOf(await send(db, { from: `billing@${databaseHost(other.name, app.config.platformZone)}` }));
    expect(spoof.from).toEqual({ name: 'billing', address: `hello@${host}` });
    // A Reply-To the message has is kept; a name outside ASCII survives.
    const kept = await fromOf(await send(db, { from: '"Zoë Ørsted" <zoe@gmail.example>', replyTo: 'support@gmail.example' }));
    expect(kept.from).toEqual({ name: 'Zoë Ørsted', address: `hello@${host}` });
    expect(kept.replyTo).toEqual(['support@gmail.example']);
  });

  it("never takes a foreign domain from the tenant's own settings: a whole mail.default.from or a catchall domain outside its domains", async () => {
    const db = await wiredTenant(20);
    const host = databaseHost(db.name, app.config.platformZone);
    await app.tenants.withTenant(db, async (c) => {
      await setConfigParameter(c, 'mail.default.from', 'ceo@bank.example');
      await setConfigParameter(c, 'mail.catchall.domain', 'bank.example');
    });
    const { from } = await fromOf(await send(db, { from: 'x@bank.example' }));
    expect(from!.address).toBe(`ceo@${host}`);
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
