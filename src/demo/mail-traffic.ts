import nodemailer, { type Transporter } from 'nodemailer';
import type { App } from '../app.js';
import { shiftDay } from '../dates.js';
import { relayDay } from '../mail/relay/day.js';
import type { MailRelay } from '../mail/relay/start.js';
import { bounceAddress } from '../mail/relay/verp.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import { insertRelayDays, relayTotalSent } from '../metabase/repositories/email-relay.js';
import { defaultMailServer, RELAY_MAIL_SERVER_NAME } from '../tenant/relay-mail-server.js';

/**
 * How a demo database sends: `steady` is a well-behaved customer, `bad-list` mails a list where
 * one address in BAD_LIST_EVERY does not exist (its DSNs come back), `over-limit` sends faster
 * than its daily limit allows (the relay refuses the rest of the day).
 */
export type DemoSenderKind = 'steady' | 'bad-list' | 'over-limit';

export interface DemoSender {
  database: string;
  kind: DemoSenderKind;
  /** Messages per round. */
  perRound: number;
}

/** The embedded default's senders (databases of src/demo/catalog.ts; a missing one is skipped). */
export const DEMO_SENDERS: readonly DemoSender[] = [
  { database: 'dupont-avocats', kind: 'steady', perRound: 1 },
  { database: 'oakridge-brewing', kind: 'steady', perRound: 2 },
  { database: 'brouwerij-de-kroon', kind: 'bad-list', perRound: 1 },
  { database: 'acme-bakery', kind: 'over-limit', perRound: 4 },
];

/** One bad address in 8: 12.5 % of hard bounces, above the badge's "unacceptable" threshold. */
const BAD_LIST_EVERY = 8;
/** Days of history written at first start, before today. */
const HISTORY_DAYS = 14;

export interface RoundCounts {
  sent: number;
  refused: number;
  bounced: number;
  failed: number;
}

export interface DemoMailTraffic {
  /** One round of sends for every sender (the timer calls it; tests may call it directly). */
  round(): Promise<Record<string, RoundCounts>>;
  stop(): Promise<void>;
}

interface Sender extends DemoSender {
  transport: Transporter;
  from: string;
  count: number;
}

/**
 * Real SMTP through the relay with each database's own credentials, read from its tenant as
 * Odoo would: the counts, the badge and the chart of the demo databases are alive from the
 * first start. The bad list's DSNs are real RFC 3464 reports sent to the bounce endpoint.
 * Nothing here can stop the platform: a failing round is logged and the next one comes.
 */
export async function startDemoMailTraffic(
  app: App,
  relay: MailRelay,
  options: { senders?: readonly DemoSender[]; intervalMs: number | null },
): Promise<DemoMailTraffic> {
  const senders: Sender[] = [];
  for (const s of options.senders ?? DEMO_SENDERS) {
    const db = await findDatabase(app.metabase, s.database);
    if (!db || db.state !== 'active') continue;
    const server = await app.tenants.withTenant(db, defaultMailServer).catch(() => undefined);
    if (server?.name !== RELAY_MAIL_SERVER_NAME || !server.smtp_user || !server.smtp_pass) continue;
    senders.push({
      ...s,
      count: 0,
      from: `info@${s.database}.example.com`,
      transport: nodemailer.createTransport({
        host: server.smtp_host ?? relay.address.host,
        port: server.smtp_port ?? relay.address.port,
        secure: false,
        ignoreTLS: true,
        auth: { user: server.smtp_user, pass: server.smtp_pass },
        // One kept connection per database, as an Odoo worker sending a queue would.
        pool: true,
        maxConnections: 1,
      }),
    });
  }
  const bounces = nodemailer.createTransport({
    host: relay.address.host,
    port: relay.bouncePort,
    secure: false,
    ignoreTLS: true,
  });

  async function sendOne(s: Sender, counts: RoundCounts): Promise<void> {
    s.count++;
    const bad = s.kind === 'bad-list' && s.count % BAD_LIST_EVERY === 0;
    const to = bad ? `no-such-person-${s.count}@invalid.example.net` : `customer-${s.count % 97}@example.com`;
    try {
      await s.transport.sendMail({
        from: s.from,
        to,
        subject: `${s.kind === 'bad-list' ? 'Newsletter' : 'Your order'} #${s.count}`,
        text: 'Demo traffic of the dbtools embedded platform.',
      });
      counts.sent++;
    } catch (err) {
      // The relay's temporary refusal over the daily limit (the customer's Odoo would retry later).
      if (/Daily e-mail limit reached/.test((err as { response?: string }).response ?? '')) counts.refused++;
      else counts.failed++;
      return;
    }
    if (bad) {
      // The demo's upstream delivers nowhere, so no MTA bounces the copy: the demo writes the
      // report itself, to a bounce address signed as the relay signs the copy's (it holds the secret).
      const bounceTo = bounceAddress(app.secret, s.database, app.config.relay.bounceDomain, app.now());
      await bounces.sendMail({
        envelope: { from: '', to: bounceTo },
        raw: deliveryStatusNotification(bounceTo, to, app.now()),
      });
      counts.bounced++;
    }
  }

  async function round(): Promise<Record<string, RoundCounts>> {
    const result: Record<string, RoundCounts> = {};
    for (const s of senders) {
      const counts: RoundCounts = { sent: 0, refused: 0, bounced: 0, failed: 0 };
      result[s.database] = counts;
      for (let i = 0; i < s.perRound; i++) await sendOne(s, counts);
    }
    return result;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      running = round()
        .then((r) => {
          const failed = Object.values(r).reduce((n, c) => n + c.failed, 0);
          if (failed > 0) app.log.warn({ failed }, 'demo mail traffic: some sends failed');
        })
        .catch((err: Error) => app.log.warn({ err: err.message }, 'demo mail traffic round failed'))
        .finally(() => {
          if (!stopped) schedule(ms);
        });
    }, ms);
    timer.unref();
  };
  if (options.intervalMs !== null) schedule(options.intervalMs);

  return {
    round,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      for (const s of senders) s.transport.close();
      bounces.close();
    },
  };
}

/** A hard bounce as a receiving MTA writes it (RFC 3464), for one unknown recipient. */
function deliveryStatusNotification(bounceTo: string, recipient: string, at: Date): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.invalid.example.net>',
    `To: ${bounceTo}`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${at.toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"',
    '',
    '--DSN',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered: the recipient does not exist.',
    '--DSN',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.invalid.example.net',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: Recipient address rejected: User unknown`,
    '',
    '--DSN--',
    '',
  ].join('\r\n');
}

/**
 * At first start (no relay history yet), HISTORY_DAYS past days per demo sender, so the chart
 * and the badge have something to show: steady senders well under their limit with ~1 % of
 * bounces, the bad list at ~12 %, the over-limit one at its limit with refusals. Deterministic.
 */
export async function backfillDemoMailHistory(
  app: App,
  senders: readonly DemoSender[] = DEMO_SENDERS,
): Promise<string[]> {
  const today = relayDay(app.now(), app.config.relay.dayStartHour);
  const filled: string[] = [];
  for (const s of senders) {
    const db = await findDatabase(app.metabase, s.database);
    if (!db || db.state !== 'active') continue;
    if ((await relayTotalSent(app.metabase, s.database)) > 0) continue;
    const limit = db.email_daily_limit;
    // No day before the database existed: a young demo database has a shorter history.
    const created = relayDay(new Date(db.create_date), app.config.relay.dayStartHour);
    const days = Array.from({ length: HISTORY_DAYS }, (_, k) => {
      const i = HISTORY_DAYS - k;
      const wobble = (i * 37) % 11; // 0..10, a stable day-to-day variation
      const day = shiftDay(today, -i);
      if (s.kind === 'over-limit')
        return {
          day,
          sent: limit,
          refused: 4 + wobble * 2,
          hard_bounces: Math.round(limit / 100),
          daily_limit: limit,
        };
      const sent = Math.min(limit, Math.round(limit * 0.1) + wobble * 3);
      const hard_bounces = s.kind === 'bad-list' ? Math.round(sent / BAD_LIST_EVERY) : wobble === 0 ? 1 : 0;
      return { day, sent, refused: 0, hard_bounces, daily_limit: limit };
    }).filter((d) => d.day >= created);
    if (!days.length) continue;
    await insertRelayDays(app.metabase, s.database, days);
    filled.push(s.database);
  }
  return filled;
}

/**
 * The embedded default's demo traffic, once the tenants are wired to the relay: the history
 * first, then a round every DBTOOLS_DEMO_MAIL_INTERVAL seconds. A failure to start is logged,
 * never fatal: the console works without demo mail.
 */
export function runDemoMailTraffic(
  app: App,
  relay: MailRelay,
  wired: Promise<unknown>,
): { stop(): Promise<void> } {
  const { enabled, intervalSeconds } = app.config.relay.demoTraffic;
  if (!enabled) return { stop: async () => {} };
  const started = wired
    .then(async () => {
      const filled = await backfillDemoMailHistory(app);
      const traffic = await startDemoMailTraffic(app, relay, { intervalMs: intervalSeconds * 1000 });
      app.log.info({ backfilled: filled, intervalSeconds }, 'demo mail traffic started');
      return traffic;
    })
    .catch((err: Error) => {
      app.log.warn({ err: err.message }, 'demo mail traffic not started');
      return undefined;
    });
  return { stop: async () => (await started)?.stop() };
}
