import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { App } from '../../app.js';
import { releaseRelaySend, reserveRelaySend } from '../../metabase/repositories/email-relay.js';
import { upstreamTransport } from '../mailer.js';
import { authenticateRelayUser } from './credentials.js';
import { dayStartText, relayDay } from './day.js';
import { bounceAddress } from './verp.js';

/** Odoo's own default for the largest outgoing message. */
const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

export interface ListeningSmtp {
  port: number;
  close(): Promise<void>;
}

/** An SMTP reply with its code, as smtp-server sends it to the client. */
export function smtpReply(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

export function listen(server: SMTPServer, host: string, port: number): Promise<ListeningSmtp> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

export function readMessage(stream: SMTPServerDataStream): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('end', () => resolve(stream.sizeExceeded ? undefined : Buffer.concat(chunks)));
  });
}

/**
 * The platform's outgoing relay: each database logs in with its own credentials; every message
 * is counted against the database's daily limit before it is forwarded to the upstream with the
 * database's VERP bounce address as envelope sender. Over the limit the answer is a temporary
 * error (451), so the customer's Odoo keeps the mail and retries: nothing is lost.
 */
export function startRelay(app: App, options: { host: string; port: number }): Promise<ListeningSmtp> {
  const { bounceDomain, dayStartHour } = app.config.relay;
  const server = new SMTPServer({
    banner: 'dbtools mail relay',
    authMethods: ['PLAIN', 'LOGIN'],
    // Plain authentication without TLS is acceptable on the loopback and the hosting network
    // only; a relay reached over the internet needs a certificate (not done here).
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    // The client's host name is used nowhere; its PTR lookup would only delay every new connection.
    disableReverseLookup: true,
    onAuth(auth, session, callback) {
      authenticateRelayUser(app, auth.username ?? '', auth.password ?? '', session.remoteAddress).then(
        (login) => {
          if (login.outcome === 'accepted') callback(null, { user: login.value });
          // Temporary (4xx): the customer's Odoo keeps its mail and retries once the lockout ends.
          else if (login.outcome === 'locked')
            callback(
              smtpReply(
                454,
                `4.7.0 Too many failed logins for this login or from this address; try again in ${Math.ceil(login.retryAfterSeconds / 60)} minutes`,
              ),
            );
          else callback(smtpReply(535, '5.7.8 Authentication failed: wrong login or password for this database'));
        },
        (err: Error) => callback(smtpReply(454, `4.7.0 Temporary authentication failure: ${err.message}`)),
      );
    },
    onData(stream, session, callback) {
      relayMessage(app, stream, session, bounceDomain, dayStartHour).then(
        (reply) => callback(null, reply),
        (err: Error) => callback(err),
      );
    },
  });
  server.on('error', (err) => app.log.warn({ err: err.message }, 'mail relay connection error'));
  return listen(server, options.host, options.port);
}

async function relayMessage(
  app: App,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  bounceDomain: string,
  dayStartHour: number,
): Promise<string> {
  const database = String(session.user);
  const day = relayDay(app.now(), dayStartHour);
  // The count is taken while the body arrives (two waits overlap instead of adding up); it is
  // given back if the body never comes whole, so only forwarded messages stay counted. The
  // catch only marks the promise handled while the body is read: awaiting it still throws.
  const reserving = reserveRelaySend(app.metabase, database, day);
  reserving.catch(() => undefined);
  let raw: Buffer | undefined;
  try {
    raw = await readMessage(stream);
  } catch (e) {
    if ((await reserving).accepted) await releaseRelaySend(app.metabase, database, day);
    throw e;
  }
  const reservation = await reserving;
  if (!raw) {
    if (reservation.accepted) await releaseRelaySend(app.metabase, database, day);
    throw smtpReply(552, `5.3.4 Message too big: the relay takes up to ${MAX_MESSAGE_BYTES} bytes`);
  }
  if (!reservation.accepted) {
    throw smtpReply(
      451,
      `4.7.1 Daily e-mail limit reached: ${database} may send ${reservation.limit} messages a day; ` +
        `try again after ${dayStartText(dayStartHour)}`,
    );
  }
  try {
    const transport = await upstreamTransport(app, { pool: true });
    const info = await transport.sendMail({
      envelope: {
        from: bounceAddress(database, bounceDomain),
        to: session.envelope.rcptTo.map((r) => r.address),
      },
      raw,
    });
    return `Accepted (${reservation.sent} of ${reservation.limit} today): ${info.response ?? 'forwarded'}`;
  } catch (e) {
    // Not delivered upstream: it must not count, and the client keeps it to retry.
    await releaseRelaySend(app.metabase, database, day);
    throw smtpReply(
      451,
      `4.4.1 The upstream did not take the message, try again later: ${(e as Error).message}`,
    );
  }
}
