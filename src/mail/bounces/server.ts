import { SMTPServer } from 'smtp-server';
import type { App } from '../../app.js';
import { recordRelayOutcomeOnce, type RelayOutcome } from '../../metabase/repositories/email-relay.js';
import { relayDay } from '../relay/day.js';
import { listen, readMessage, smtpReply, type ListeningSmtp } from '../relay/server.js';
import { verifyBounceAddress } from '../relay/verp.js';
import { parseReport, type ReportOutcome } from './parse.js';

const MAX_REPORT_BYTES = 10 * 1024 * 1024;

const COLUMN: Record<ReportOutcome['kind'], RelayOutcome> = {
  hard_bounce: 'hard_bounces',
  soft_bounce: 'soft_bounces',
  complaint: 'complaints',
};

/**
 * The inbound SMTP endpoint of the bounce domain (its MX points here). It takes every address
 * of its domain with the same answers, whether it names a database or not (no name can be
 * probed), and counts a report's bounces and complaints on the database's relay day of arrival
 * only when it came to a bounce address the relay signed for that database (src/mail/relay/
 * verp.ts), once per address and kind: a forged report, or one sent again, changes nothing.
 */
export function startBounceReceiver(
  app: App,
  options: { host: string; port: number },
): Promise<ListeningSmtp> {
  const { bounceDomain, dayStartHour } = app.config.relay;
  const server = new SMTPServer({
    banner: 'dbtools bounces',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_REPORT_BYTES,
    logger: false,
    onRcptTo(address, _session, callback) {
      const at = address.address.lastIndexOf('@');
      const domain = address.address.slice(at + 1).toLowerCase();
      callback(
        at > 0 && domain === bounceDomain.toLowerCase()
          ? undefined
          : smtpReply(550, `5.7.1 This server takes mail for ${bounceDomain} only`),
      );
    },
    onData(stream, session, callback) {
      (async () => {
        const raw = await readMessage(stream);
        if (!raw) throw smtpReply(552, '5.3.4 Report too big');
        const outcomes = await parseReport(raw);
        const now = app.now();
        const day = relayDay(now, dayStartHour);
        for (const rcpt of session.envelope.rcptTo) {
          const signed = verifyBounceAddress(app.secret, rcpt.address, bounceDomain, now);
          if (!signed) continue;
          // One forwarded copy has one recipient: its report counts at most once per kind.
          for (const outcome of outcomes) {
            await recordRelayOutcomeOnce(app.metabase, { ...signed, day, outcome: COLUMN[outcome.kind] });
          }
        }
      })().then(
        () => callback(null, 'Report received'),
        (err: Error) => callback(err),
      );
    },
  });
  server.on('error', (err) => app.log.warn({ err: err.message }, 'bounce receiver connection error'));
  return listen(server, options.host, options.port);
}
