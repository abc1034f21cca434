import { SMTPServer } from 'smtp-server';
import type { App } from '../../app.js';
import { findDatabase } from '../../metabase/repositories/databases.js';
import { recordRelayOutcome, type RelayOutcome } from '../../metabase/repositories/email-relay.js';
import { relayDay } from '../relay/day.js';
import { listen, readMessage, smtpReply, type ListeningSmtp } from '../relay/server.js';
import { databaseOfBounceAddress } from '../relay/verp.js';
import { parseReport, type ReportOutcome } from './parse.js';

const MAX_REPORT_BYTES = 10 * 1024 * 1024;

const COLUMN: Record<ReportOutcome['kind'], RelayOutcome> = {
  hard_bounce: 'hard_bounces',
  soft_bounce: 'soft_bounces',
  complaint: 'complaints',
};

/**
 * The inbound SMTP endpoint of the bounce domain (its MX points here): takes mail for the VERP
 * addresses of known databases only, and counts the bounces and complaints the reports carry on
 * the database's relay day of arrival.
 */
export function startBounceReceiver(app: App, options: { host: string; port: number }): Promise<ListeningSmtp> {
  const { bounceDomain, dayStartHour } = app.config.relay;
  const server = new SMTPServer({
    banner: 'dbtools bounces',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_REPORT_BYTES,
    logger: false,
    onRcptTo(address, _session, callback) {
      const database = databaseOfBounceAddress(address.address, bounceDomain);
      if (!database) {
        callback(smtpReply(550, `5.1.1 No such bounce address: ${address.address}`));
        return;
      }
      findDatabase(app.metabase, database).then(
        (row) => callback(row ? undefined : smtpReply(550, `5.1.1 No such database: ${database}`)),
        (err: Error) => callback(smtpReply(451, `4.3.0 ${err.message}`)),
      );
    },
    onData(stream, session, callback) {
      (async () => {
        const raw = await readMessage(stream);
        if (!raw) throw smtpReply(552, '5.3.4 Report too big');
        const outcomes = await parseReport(raw);
        const day = relayDay(app.now(), dayStartHour);
        for (const rcpt of session.envelope.rcptTo) {
          const database = databaseOfBounceAddress(rcpt.address, bounceDomain)!;
          for (const outcome of outcomes) await recordRelayOutcome(app.metabase, database, day, COLUMN[outcome.kind]);
        }
        return outcomes.length;
      })().then(
        (n) => callback(null, `Report taken: ${n} outcome(s) recorded`),
        (err: Error) => callback(err),
      );
    },
  });
  server.on('error', (err) => app.log.warn({ err: err.message }, 'bounce receiver connection error'));
  return listen(server, options.host, options.port);
}
