import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // API tokens expire (the existing ones get the default 90 days from now, not from their
  // creation: none stops working the moment this lands). Login attempts are counted in one row
  // per key, updated by a single upsert: parallel attempts cannot all read "under the limit".
  await sql`
    ALTER TABLE api_token ADD COLUMN expires_at timestamptz;
    UPDATE api_token SET expires_at = now() + interval '90 days';
    ALTER TABLE api_token ALTER COLUMN expires_at SET NOT NULL;
    CREATE INDEX api_token_agent ON api_token (agent_id);

    CREATE TABLE login_throttle (
      key text PRIMARY KEY,
      attempts integer NOT NULL,
      window_start timestamptz NOT NULL
    );
    DROP TABLE login_failure;
  `.execute(db);
}
