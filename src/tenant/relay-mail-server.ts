import type pg from 'pg';

/** The name of the platform's outgoing server record in every tenant (seeded by base-data.sql). */
export const RELAY_MAIL_SERVER_NAME = 'dbtools mail relay';

export interface RelayMailServer {
  host: string;
  port: number;
  user: string;
}

/**
 * Points the tenant's platform outgoing server at the relay (host and port only, the password it
 * has stays). Returns false when the record is gone (the customer deleted it): then it must be
 * written anew with a password.
 */
export async function pointRelayMailServer(client: pg.ClientBase, server: RelayMailServer): Promise<boolean> {
  const res = await client.query(
    `UPDATE ir_mail_server
        SET smtp_host = $2, smtp_port = $3, smtp_user = $4, active = true, from_filter = NULL,
            sequence = ${LOWEST_SEQUENCE}, write_date = now() at time zone 'UTC', write_uid = 1
      WHERE id = (SELECT min(id) FROM ir_mail_server WHERE name = $1)
        AND smtp_pass IS NOT NULL`,
    [RELAY_MAIL_SERVER_NAME, server.host, server.port, server.user],
  );
  return res.rowCount === 1;
}

// Odoo sends through the active server of lowest sequence whose from_filter does not exclude the
// sender: ours goes first, below every other server of the database.
const LOWEST_SEQUENCE = `LEAST(1, (SELECT coalesce(min(s.sequence), 10) - 1 FROM ir_mail_server s WHERE s.name <> $1::varchar))`;

/**
 * Writes the relay as the tenant's default outgoing server with its credentials, as Odoo's
 * ir.mail_server stores them: every NOT NULL column set (name, smtp_authentication,
 * smtp_encryption; smtp_host and smtp_port in 16.0), plain login authentication over the
 * loopback, no from_filter (it sends for any sender address).
 */
export async function writeRelayMailServer(
  client: pg.ClientBase,
  server: RelayMailServer & { password: string },
): Promise<void> {
  const params = [RELAY_MAIL_SERVER_NAME, server.host, server.port, server.user, server.password];
  const updated = await client.query(
    `UPDATE ir_mail_server
        SET smtp_host = $2, smtp_port = $3, smtp_user = $4, smtp_pass = $5, smtp_authentication = 'login',
            smtp_encryption = 'none', from_filter = NULL, active = true, sequence = ${LOWEST_SEQUENCE},
            write_date = now() at time zone 'UTC', write_uid = 1
      WHERE id = (SELECT min(id) FROM ir_mail_server WHERE name = $1)`,
    params,
  );
  if (updated.rowCount) return;
  await client.query(
    `INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_user, smtp_pass, smtp_authentication,
                                 smtp_encryption, smtp_debug, active, sequence,
                                 create_uid, create_date, write_uid, write_date)
     VALUES ($1::varchar, $2, $3, $4, $5, 'login', 'none', false, true, ${LOWEST_SEQUENCE},
             1, now() at time zone 'UTC', 1, now() at time zone 'UTC')`,
    params,
  );
}

/** The tenant's relay record as Odoo would pick it: the first active server by sequence. */
export async function defaultMailServer(
  client: pg.ClientBase,
): Promise<{ name: string; smtp_host: string | null; smtp_port: number | null; smtp_user: string | null; smtp_pass: string | null } | undefined> {
  const { rows } = await client.query(
    `SELECT name, smtp_host, smtp_port, smtp_user, smtp_pass FROM ir_mail_server
      WHERE active ORDER BY sequence, id LIMIT 1`,
  );
  return rows[0];
}
