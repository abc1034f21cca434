import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Where a hosting server's front end (nginx) listens. Each server has its own loopback
    -- address (127.0.0.N on the embedded default) and every front end uses the same port pair,
    -- so an ACME CA checking http-01 on one port reaches any server, and DNS says which one.
    -- NULL: the platform does not run this server's front end (it listens on 80/443 itself).
    ALTER TABLE hosting_server ADD COLUMN front_address inet UNIQUE,
                               ADD COLUMN front_http_port integer CHECK (front_http_port BETWEEN 1 AND 65535),
                               ADD COLUMN front_https_port integer CHECK (front_https_port BETWEEN 1 AND 65535),
                               ADD CONSTRAINT hosting_server_front_end_whole CHECK (
                                 (front_address IS NULL) = (front_http_port IS NULL)
                                 AND (front_address IS NULL) = (front_https_port IS NULL));
  `.execute(db);
}
