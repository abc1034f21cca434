import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The source of a moved database, kept on its old server under a scratch name (read-only, no
    -- CONNECT) as a rollback until keep_until; the reaper then drops it and its filestore folder.
    CREATE TABLE move_rollback_copy (
      id bigserial PRIMARY KEY,
      database_name text NOT NULL,
      server_id integer NOT NULL REFERENCES hosting_server(id),
      -- The scratch name (dbtools_scratch_moved_<job>) of the database and of its folder.
      copy_name text NOT NULL,
      filestore_path text NOT NULL,
      job_id bigint NOT NULL UNIQUE REFERENCES job(id),
      keep_until timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      removed_at timestamptz
    );
    CREATE INDEX move_rollback_copy_due ON move_rollback_copy (keep_until) WHERE removed_at IS NULL;
    CREATE INDEX move_rollback_copy_database ON move_rollback_copy (database_name, created_at DESC);
  `.execute(db);
}
