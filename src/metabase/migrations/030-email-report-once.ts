import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The delivery reports and complaints the bounce endpoint counted, one row per signed bounce
    -- address (one forwarded copy) and outcome: a report is counted once, however often it (or a
    -- copy an attacker kept) is sent again. Rows older than a bounce address's life can go.
    CREATE TABLE email_relay_report (
      database_name text NOT NULL,
      bounce_tag text NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('hard_bounces', 'soft_bounces', 'complaints')),
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (database_name, bounce_tag, outcome)
    );
  `.execute(db);
}
