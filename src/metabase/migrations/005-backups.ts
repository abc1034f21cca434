import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE backup (
      id bigserial PRIMARY KEY,
      -- Kept by name (and uuid) rather than by row: the backups of a removed database outlive it.
      database_name text NOT NULL,
      database_uuid uuid NOT NULL,
      server_id integer NOT NULL REFERENCES hosting_server(id),
      kind text NOT NULL CHECK (kind IN ('daily', 'weekly', 'monthly', 'manual', 'safety')),
      state text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'ready', 'failed')),
      -- Folder holding db.dump (pg_dump custom format) and filestore/ (hard links).
      path text NOT NULL,
      size bigint,
      checksum text,
      version text NOT NULL,
      job_id bigint REFERENCES job(id) ON DELETE SET NULL,
      agent_id integer REFERENCES agent(id),
      taken_at timestamptz NOT NULL,
      finished_at timestamptz,
      error text
    );
    CREATE INDEX backup_database ON backup (database_name, taken_at DESC);
    CREATE UNIQUE INDEX backup_one_per_job ON backup (job_id, database_name) WHERE job_id IS NOT NULL;

    CREATE TABLE dump (
      id bigserial PRIMARY KEY,
      database_name text NOT NULL,
      state text NOT NULL DEFAULT 'preparing' CHECK (state IN ('preparing', 'ready', 'failed', 'expired')),
      email text NOT NULL,
      path text,
      size bigint,
      job_id bigint REFERENCES job(id) ON DELETE SET NULL,
      agent_id integer REFERENCES agent(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      ready_at timestamptz,
      expires_at timestamptz,
      error text
    );
    CREATE INDEX dump_database ON dump (database_name, id DESC);
  `.execute(db);
}
