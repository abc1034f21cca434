import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A database's login on the platform's SMTP relay. Only the argon2id hash is kept here: the
    -- plain password lives in the tenant's own outgoing mail server record, where Odoo reads it.
    CREATE TABLE email_relay_credential (
      database_name text PRIMARY KEY,
      smtp_user text NOT NULL UNIQUE,
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- What the relay did for a database on one relay day (the day starts at the configured UTC
    -- hour): messages accepted and forwarded, refused over the limit, and what came back.
    CREATE TABLE email_relay_day (
      database_name text NOT NULL,
      day date NOT NULL,
      sent integer NOT NULL DEFAULT 0,
      refused integer NOT NULL DEFAULT 0,
      hard_bounces integer NOT NULL DEFAULT 0,
      soft_bounces integer NOT NULL DEFAULT 0,
      complaints integer NOT NULL DEFAULT 0,
      -- The database's limit when the relay last counted that day (the chart's limit line).
      daily_limit integer,
      PRIMARY KEY (database_name, day)
    );

    -- A limit an agent pinned (until a date, with a reason): the nightly automatic change leaves it.
    ALTER TABLE database ADD COLUMN email_limit_pinned_until timestamptz,
                         ADD COLUMN email_limit_pin_reason text;
  `.execute(db);
}
