import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Odoo's upgrade protocol: every call after create goes to the host the platform assigned
    -- to the request (https://<platform_host>), the transfers to SSH on it.
    ALTER TABLE upgrade_request ADD COLUMN platform_host text;
  `.execute(db);
}
