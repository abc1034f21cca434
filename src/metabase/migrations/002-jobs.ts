import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE job (
      id bigserial PRIMARY KEY,
      kind text NOT NULL,
      database_name text,
      agent_id integer REFERENCES agent(id),
      state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'completed', 'failed')),
      payload jsonb NOT NULL DEFAULT '{}',
      -- What the steps found or made (a new database's name, a file path...): a resumed job reads it back.
      data jsonb NOT NULL DEFAULT '{}',
      done_steps text[] NOT NULL DEFAULT '{}',
      step text,
      progress integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
      eta timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      worker_id text,
      heartbeat_at timestamptz,
      result jsonb,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz
    );
    -- One long job per database at a time.
    CREATE UNIQUE INDEX job_one_active_per_database ON job (database_name)
      WHERE state IN ('queued', 'running') AND database_name IS NOT NULL;
    CREATE INDEX job_database ON job (database_name, id DESC);
    CREATE INDEX job_running ON job (heartbeat_at) WHERE state = 'running';
  `.execute(db);
}
