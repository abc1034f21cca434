import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A duplicate's row is reserved (creating) before its database exists, and a removal marks
    -- the row (removing) before the database goes: a crash at any point leaves a row that says
    -- what is half done, never a database without a row or an active row without a database.
    ALTER TABLE database DROP CONSTRAINT database_state_check;
    ALTER TABLE database ADD CONSTRAINT database_state_check
      CHECK (state IN ('creating', 'active', 'removing', 'removed'));
    -- The maintenance lock keeps the status it replaced and why it was set.
    ALTER TABLE database ADD COLUMN lock_reason text;
    ALTER TABLE database ADD COLUMN status_before_lock text;
    CREATE INDEX database_unfinished ON database (state) WHERE state IN ('creating', 'removing');
  `.execute(db);
}
