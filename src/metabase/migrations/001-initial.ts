import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE EXTENSION IF NOT EXISTS pg_trgm;

    CREATE TABLE hosting_server (
      id serial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      host text NOT NULL,
      port integer NOT NULL,
      superuser text NOT NULL,
      password text,
      filestore_root text NOT NULL,
      backup_root text NOT NULL,
      log_dir text NOT NULL,
      config_dir text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE database (
      id bigserial PRIMARY KEY,
      name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
      uuid uuid NOT NULL UNIQUE,
      mode text NOT NULL CHECK (mode IN ('trial', 'paid', 'drop')),
      extra_apps boolean NOT NULL DEFAULT true,
      status text NOT NULL DEFAULT 'open',
      expire_date timestamptz,
      version text NOT NULL,
      subcode text,
      server_id integer NOT NULL REFERENCES hosting_server(id),
      create_date timestamptz NOT NULL DEFAULT now(),
      duplicate_of text,
      secure boolean NOT NULL DEFAULT false,
      email_daily_count integer NOT NULL DEFAULT 0,
      email_daily_limit integer NOT NULL DEFAULT 200,
      ext_email_daily_count integer NOT NULL DEFAULT 0,
      email_total_count bigint NOT NULL DEFAULT 0,
      duplicate_limit integer NOT NULL DEFAULT 3,
      state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'removed'))
    );
    -- Search: a name substring (trigram), a uuid prefix, a subscription code.
    CREATE INDEX database_name_trgm ON database USING gin (name gin_trgm_ops);
    CREATE INDEX database_uuid_prefix ON database ((uuid::text) text_pattern_ops);
    CREATE INDEX database_subcode ON database (subcode) WHERE subcode IS NOT NULL;
    CREATE INDEX database_duplicate_of ON database (duplicate_of) WHERE duplicate_of IS NOT NULL;
    CREATE INDEX database_expire ON database (expire_date) WHERE mode = 'drop' OR duplicate_of IS NOT NULL;

    CREATE TABLE agent (
      id serial PRIMARY KEY,
      login text NOT NULL UNIQUE,
      name text NOT NULL,
      level integer NOT NULL CHECK (level >= 0),
      password_hash text,
      disabled boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE agent_session (
      id text PRIMARY KEY,
      agent_id integer NOT NULL REFERENCES agent(id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE api_token (
      id serial PRIMARY KEY,
      agent_id integer NOT NULL REFERENCES agent(id) ON DELETE CASCADE,
      name text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz
    );

    CREATE TABLE login_failure (
      id bigserial PRIMARY KEY,
      login text NOT NULL,
      address text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX login_failure_recent ON login_failure (login, address, at);

    CREATE TABLE support_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      agent_id integer REFERENCES agent(id),
      agent_login text NOT NULL,
      agent_level integer NOT NULL,
      operation text NOT NULL,
      database_name text NOT NULL,
      inputs jsonb NOT NULL DEFAULT '{}',
      outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
      message text,
      request_id text
    );
    CREATE INDEX support_log_database ON support_log (database_name, id DESC);

    CREATE TABLE platform_setting (
      key text PRIMARY KEY,
      value text NOT NULL
    );
  `.execute(db);
}
