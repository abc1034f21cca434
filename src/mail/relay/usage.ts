import type { App } from '../../app.js';
import { relayDays, relayTotalSent, type RelayDayRow } from '../../metabase/repositories/email-relay.js';
import type { DatabaseRow } from '../../metabase/schema.js';
import { externalSentBetween } from '../../tenant/mail-stats.js';
import { RELAY_MAIL_SERVER_NAME } from '../../tenant/relay-mail-server.js';
import { shiftDay } from '../../dates.js';
import { relayDay } from './day.js';

/** The e-mail counts of the Database Status, as the page names them. */
export interface EmailUsage {
  email_daily_count: number;
  email_daily_limit: number;
  /** null when the tenant cannot be read. */
  ext_email_daily_count: number | null;
  email_total_count: number;
}

/** What the relay counted for the database on the relay day of `now`. */
export async function relayToday(app: App, database: string, now: Date): Promise<RelayDayRow> {
  const day = relayDay(now, app.config.relay.dayStartHour);
  const [row] = await relayDays(app.metabase, database, day, day);
  return (
    row ?? { day, sent: 0, refused: 0, hard_bounces: 0, soft_bounces: 0, complaints: 0, daily_limit: null }
  );
}

/**
 * Live counts: today's sends and the total from the relay (the total adds the database's count
 * from before the relay, kept in email_total_count), and today's sends through the customer's
 * own server from the tenant's mail_mail.
 */
export async function emailUsage(app: App, database: DatabaseRow, now: Date): Promise<EmailUsage> {
  const startHour = app.config.relay.dayStartHour;
  const day = relayDay(now, startHour);
  const dayStart = new Date(Date.parse(`${day}T00:00:00Z`) + startHour * 3_600_000);
  const [today, relayed, external] = await Promise.all([
    relayToday(app, database.name, now),
    relayTotalSent(app.metabase, database.name),
    app.tenants
      .withTenant(database, (c) => externalSentBetween(c, dayStart, now, RELAY_MAIL_SERVER_NAME))
      .catch(() => null),
  ]);
  return {
    email_daily_count: today.sent,
    email_daily_limit: database.email_daily_limit,
    ext_email_daily_count: external,
    email_total_count: database.email_total_count + relayed,
  };
}

export interface EmailDay {
  day: string;
  sent: number;
  refused: number;
  bounced: number;
  complaints: number;
  /** The limit the relay applied that day; null on a day it counted nothing (today: the current one). */
  limit: number | null;
}

/** The last 30 relay days, oldest first, today last, days without traffic included. */
export async function emailHistory(
  app: App,
  database: DatabaseRow,
  now: Date,
): Promise<{ today: string; rows: RelayDayRow[]; days: EmailDay[] }> {
  const today = relayDay(now, app.config.relay.dayStartHour);
  const from = shiftDay(today, -29);
  const rows = await relayDays(app.metabase, database.name, from, today);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const days = Array.from({ length: 30 }, (_, i) => {
    const day = shiftDay(from, i);
    const r = byDay.get(day);
    return {
      day,
      sent: r?.sent ?? 0,
      refused: r?.refused ?? 0,
      bounced: (r?.hard_bounces ?? 0) + (r?.soft_bounces ?? 0),
      complaints: r?.complaints ?? 0,
      limit: r?.daily_limit ?? (day === today ? database.email_daily_limit : null),
    };
  });
  return { today, rows, days };
}
