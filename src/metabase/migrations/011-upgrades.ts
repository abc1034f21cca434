import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One upgrade of a database to a target series, as agents see it in the Tools page's history.
    -- state is what agents read (the upgrade agent's states); platform_state what the upgrade
    -- platform last answered. The platform's key is a bearer secret for that request only.
    CREATE TABLE upgrade_request (
      id bigserial PRIMARY KEY,
      database_name text NOT NULL,
      mode text NOT NULL CHECK (mode IN ('internal', 'copy', 'production', 'rolling')),
      source_version text NOT NULL,
      target text NOT NULL,
      email text,
      state text NOT NULL DEFAULT 'Queued' CHECK (state IN ('Queued', 'Running', 'Sent to Upgrade Platform',
        'To Restore on Cloud', 'Done', 'Failed', 'cancelled (meta)')),
      platform_request_id bigint,
      platform_key text,
      platform_state text,
      platform_archived boolean NOT NULL DEFAULT false,
      log_tail text,
      log_offset bigint NOT NULL DEFAULT 0,
      reason text,
      -- The database the upgrade produced (Internal, Copy) or replaced in place (Production).
      result_database text,
      job_id bigint,
      agent_id integer,
      requested_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      done_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX upgrade_request_database ON upgrade_request (database_name, id DESC);
    -- The rolling-release dispatcher reads the queue; a database has at most one open rolling release.
    CREATE INDEX upgrade_request_queued ON upgrade_request (requested_at) WHERE state = 'Queued';
    CREATE UNIQUE INDEX upgrade_request_one_rolling ON upgrade_request (database_name)
      WHERE mode = 'rolling' AND state IN ('Queued', 'Running', 'Sent to Upgrade Platform', 'To Restore on Cloud');

    -- Until when no rolling release is processed for the database (set by an agent on a trial).
    ALTER TABLE database ADD COLUMN rolling_release_locked_until timestamptz;
  `.execute(db);
}
