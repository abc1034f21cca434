import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A customer's own host name served by one database's front end. Two statuses, as agents
    -- read them: what the DNS says (checked by us before anything is ordered) and where the
    -- certificate is. The row is the state machine the certificate jobs and the schedule follow.
    CREATE TABLE domain (
      id serial PRIMARY KEY,
      -- ASCII (IDNA) form, lower case: the unique key across every database.
      domain text NOT NULL UNIQUE,
      database_name text NOT NULL,
      -- pending, ok, wrong_target, conflicting_records, caa_blocked, servfail, nxdomain, cdn_proxy
      dns_status text NOT NULL DEFAULT 'pending',
      -- What the name resolved to at the last check, in words (shown beside the expected record).
      dns_seen text,
      -- pending, issuing, active, renewing, failed, expired
      cert_status text NOT NULL DEFAULT 'pending',
      reason text,
      -- The certificate served: its validity and when it is renewed (two thirds of its life).
      issued_at timestamptz,
      expires_at timestamptz,
      renew_at timestamptz,
      checked_at timestamptz,
      -- Issuance attempts since the last success (or since the domain was added / retried):
      -- they space the next attempt out, and the first one bounds the whole effort (5 days).
      attempts integer NOT NULL DEFAULT 0,
      first_attempt_at timestamptz,
      next_attempt_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX domain_database_idx ON domain (database_name);
    CREATE INDEX domain_next_attempt_idx ON domain (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  `.execute(db);
}
