import { sql, type Kysely } from 'kysely';
import type { BadgeDay } from '../../policy/email-badge.js';
import type { Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export type RelayOutcome = 'hard_bounces' | 'soft_bounces' | 'complaints';

export async function upsertRelayCredential(
  db: Db,
  credential: { database_name: string; smtp_user: string; password_hash: string },
): Promise<void> {
  await db
    .insertInto('email_relay_credential')
    .values(credential)
    .onConflict((oc) =>
      oc
        .column('database_name')
        .doUpdateSet({ smtp_user: credential.smtp_user, password_hash: credential.password_hash }),
    )
    .execute();
}

export function findRelayCredential(
  db: Db,
  smtpUser: string,
): Promise<{ database_name: string; password_hash: string } | undefined> {
  return db
    .selectFrom('email_relay_credential')
    .select(['database_name', 'password_hash'])
    .where('smtp_user', '=', smtpUser)
    .executeTakeFirst();
}

export async function hasRelayCredential(db: Db, database: string): Promise<boolean> {
  const row = await db
    .selectFrom('email_relay_credential')
    .select('database_name')
    .where('database_name', '=', database)
    .executeTakeFirst();
  return !!row;
}

/**
 * Counts one message against the database's daily limit, or refuses it. One statement: the
 * conflicting row's lock makes concurrent sends of one database queue, so the limit holds
 * exactly under any concurrency (the WHERE is re-checked on the locked, newest row).
 */
export async function reserveRelaySend(
  db: Db,
  database: string,
  day: string,
): Promise<{ accepted: boolean; limit: number; sent: number }> {
  const { rows } = await sql<{ sent: number | null; limit: number | null }>`
    WITH lim AS (SELECT email_daily_limit AS l FROM database WHERE name = ${database}),
    counted AS (
      INSERT INTO email_relay_day (database_name, day, sent, daily_limit)
      SELECT ${database}, ${day}::date, 1, l FROM lim WHERE l > 0
      ON CONFLICT (database_name, day) DO UPDATE SET sent = email_relay_day.sent + 1, daily_limit = EXCLUDED.daily_limit
        WHERE email_relay_day.sent < (SELECT l FROM lim)
      RETURNING sent
    )
    SELECT (SELECT sent FROM counted) AS sent, (SELECT l FROM lim) AS "limit"`.execute(db);
  const { sent, limit } = rows[0];
  if (sent !== null) return { accepted: true, limit: limit ?? 0, sent };
  await sql`
    INSERT INTO email_relay_day (database_name, day, refused, daily_limit) VALUES (${database}, ${day}::date, 1, ${limit})
    ON CONFLICT (database_name, day) DO UPDATE SET refused = email_relay_day.refused + 1, daily_limit = EXCLUDED.daily_limit`.execute(
    db,
  );
  return { accepted: false, limit: limit ?? 0, sent: limit ?? 0 };
}

/** Gives back a counted message the upstream did not take (the client is told to retry). */
export async function releaseRelaySend(db: Db, database: string, day: string): Promise<void> {
  await sql`UPDATE email_relay_day SET sent = sent - 1
             WHERE database_name = ${database} AND day = ${day}::date AND sent > 0`.execute(db);
}

/**
 * Counts a report's outcome on the relay day, unless this bounce address already had one of
 * that kind counted: one statement, so two copies of one report arriving together count once.
 */
export async function recordRelayOutcomeOnce(
  db: Db,
  report: { database: string; tag: string; day: string; outcome: RelayOutcome },
): Promise<boolean> {
  const column = sql.ref(report.outcome);
  const { rows } = await sql<{ counted: number }>`
    WITH claimed AS (
      INSERT INTO email_relay_report (database_name, bounce_tag, outcome)
      VALUES (${report.database}, ${report.tag}, ${report.outcome})
      ON CONFLICT DO NOTHING
      RETURNING database_name
    )
    INSERT INTO email_relay_day (database_name, day, ${column})
    SELECT database_name, ${report.day}::date, 1 FROM claimed
    ON CONFLICT (database_name, day) DO UPDATE SET ${column} = email_relay_day.${column} + 1
    RETURNING 1 AS counted`.execute(db);
  return rows.length > 0;
}

/** A day of the relay's counts: what the trust badge reads, and the limit applied that day. */
export interface RelayDayRow extends BadgeDay {
  daily_limit: number | null;
}

export async function relayDays(
  db: Db,
  database: string,
  fromDay: string,
  toDay: string,
): Promise<RelayDayRow[]> {
  const { rows } = await sql<RelayDayRow>`
    SELECT day::text AS day, sent, refused, hard_bounces, soft_bounces, complaints, daily_limit
      FROM email_relay_day
     WHERE database_name = ${database} AND day BETWEEN ${fromDay}::date AND ${toDay}::date
     ORDER BY day`.execute(db);
  return rows;
}

export async function relayTotalSent(db: Db, database: string): Promise<number> {
  const row = await db
    .selectFrom('email_relay_day')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('sent'), sql<number>`0`).as('total'))
    .where('database_name', '=', database)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/** The databases the relay serves: every active one. */
export function relayDatabases(db: Db): Promise<{ name: string; server_id: number }[]> {
  return db.selectFrom('database').select(['name', 'server_id']).where('state', '=', 'active').execute();
}

/**
 * Past days of relay counts written at once (the demo's history at first start). A day already
 * counted is left as it is: history is never rewritten.
 */
export async function insertRelayDays(
  db: Db,
  database: string,
  days: Omit<RelayDayRow, 'soft_bounces' | 'complaints'>[],
): Promise<void> {
  if (days.length === 0) return;
  await db
    .insertInto('email_relay_day')
    .values(days.map((d) => ({ database_name: database, ...d })))
    .onConflict((oc) => oc.columns(['database_name', 'day']).doNothing())
    .execute();
}
