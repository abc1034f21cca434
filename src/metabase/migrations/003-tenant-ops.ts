import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- An agent signed in as a tenant user. Only the token's hash is kept: a leaked table leaks no login link.
    CREATE TABLE impersonation_session (
      id bigserial PRIMARY KEY,
      database_name text NOT NULL,
      agent_id integer NOT NULL REFERENCES agent(id),
      agent_login text NOT NULL,
      user_id integer NOT NULL,
      user_login text NOT NULL,
      user_name text,
      reason text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      stopped_at timestamptz,
      CHECK (expires_at <= created_at + interval '1 hour')
    );
    CREATE INDEX impersonation_session_active ON impersonation_session (database_name, agent_id) WHERE stopped_at IS NULL;

    -- The customers' accounts on the platform: what a tenant administrator links to (res_users.oauth_uid).
    CREATE TABLE central_account (
      id bigserial PRIMARY KEY,
      login text NOT NULL UNIQUE,
      name text,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- Every ping, the last one first: usage as Odoo's update notification reports it.
    CREATE TABLE database_ping (
      id bigserial PRIMARY KEY,
      database_name text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL CHECK (status IN ('OK', 'KO')),
      usage jsonb,
      reason text,
      CHECK ((status = 'OK') = (usage IS NOT NULL))
    );
    CREATE INDEX database_ping_last ON database_ping (database_name, at DESC);

    -- IAP credits: the balance of an account is the sum of its entries (purchases, grants, usage).
    CREATE TABLE iap_credit_ledger (
      id bigserial PRIMARY KEY,
      account_token text NOT NULL,
      service_name text NOT NULL,
      database_name text NOT NULL,
      credits integer NOT NULL,
      reason text NOT NULL,
      agent_login text,
      at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX iap_credit_ledger_token ON iap_credit_ledger (account_token);
  `.execute(db);
}
