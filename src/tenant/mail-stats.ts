import type pg from 'pg';

export interface MailStats {
  /** Mailing traces of the last 30 days that left the database (sent, delivered, opened, replied, bounced). */
  traced: number;
  bounced: number;
  /** mail_mail rows of the last 30 days that failed to deliver. */
  failed: number;
  mails: number;
}

/** The customer's sending record, from Odoo's own mail_mail and mailing_trace tables. */
export async function mailStats(client: pg.ClientBase): Promise<MailStats> {
  const [traces, mails] = await Promise.all([
    client.query<{ traced: number; bounced: number }>(
      `SELECT count(*) FILTER (WHERE trace_status IN ('pending', 'sent', 'open', 'reply', 'bounce')) AS traced,
              count(*) FILTER (WHERE trace_status = 'bounce') AS bounced
         FROM mailing_trace
        WHERE create_date > (now() at time zone 'UTC') - interval '30 days'`,
    ),
    client.query<{ mails: number; failed: number }>(
      `SELECT count(*) AS mails, count(*) FILTER (WHERE state = 'exception') AS failed
         FROM mail_mail
        WHERE create_date > (now() at time zone 'UTC') - interval '30 days'`,
    ),
  ]);
  return {
    traced: traces.rows[0].traced,
    bounced: traces.rows[0].bounced,
    mails: mails.rows[0].mails,
    failed: mails.rows[0].failed,
  };
}

/**
 * Mails the database sent itself, through an outgoing server of its own (not the platform's
 * relay), between two instants: mail_mail rows marked sent whose message names a server other
 * than the relay. A message without a server went through the default one, the relay.
 */
export async function externalSentBetween(client: pg.ClientBase, from: Date, to: Date, relayServerName: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n
       FROM mail_mail mm
       JOIN mail_message m ON m.id = mm.mail_message_id
       JOIN ir_mail_server s ON s.id = m.mail_server_id
      WHERE mm.state = 'sent' AND s.name <> $3::varchar
        AND mm.write_date >= $1::timestamptz at time zone 'UTC' AND mm.write_date < $2::timestamptz at time zone 'UTC'`,
    [from.toISOString(), to.toISOString(), relayServerName],
  );
  return Number(rows[0].n);
}
