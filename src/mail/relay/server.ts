import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { App } from '../../app.js';
import { releaseRelaySend, reserveRelaySend } from '../../metabase/repositories/email-relay.js';
import { upstreamTransport } from '../mailer.js';
import { authenticateRelayUser } from './credentials.js';
import { dayStartText, relayDay } from './day.js';
import { encapsulateFrom, singleFromAddress } from './from-header.js';
import { isSenderDomain, notificationParams, notificationsAddress, senderDomains } from './sender-domains.js';
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
          else
            callback(
              smtpReply(535, '5.7.8 Authentication failed: wrong login or password for this database'),
            );
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

/**
 * The message as it may leave under the database's name: a From within the database's own
 * domains goes as it is; any other (a customer's Gmail address, another database's host) is
 * rewritten as Odoo's own outgoing servers do when no server may send for it
 * (`_find_mail_server`, `_prepare_email_message`: the notifications address, the sender's
 * name kept), so the relay never vouches for a domain that is not the customer's.
 */
async function ownSender(app: App, database: string, raw: Buffer, domains: string[]): Promise<Buffer> {
  const from = singleFromAddress(raw);
  if (from && isSenderDomain(domains, from)) return raw;
  return encapsulateFrom(raw, notificationsAddress(await notificationParams(app, database), domains));
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
  const domains = senderDomains(app, database);
  domains.catch(() => undefined);
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
  let outgoing: Buffer;
  let transport: Awaited<ReturnType<typeof upstreamTransport>>;
  try {
    outgoing = await ownSender(app, database, raw, await domains);
    transport = await upstreamTransport(app, { pool: true });
  } catch (e) {
    await releaseRelaySend(app.metabase, database, day);
    throw e;
  }
  // One upstream copy per recipient, each with a bounce address of its own (VERP): a report
  // names the one copy it answers, and counts once. A copy the upstream refuses is as one
  // recipient refused within a transaction was: the others go; only when none went is the
  // message given back to the client to retry, uncounted.
  const copies = await Promise.allSettled(
    session.envelope.rcptTo.map((r) =>
      transport.sendMail({
        envelope: { from: bounceAddress(app.secret, database, bounceDomain, app.now()), to: [r.address] },
        raw: outgoing,
      }),
    ),
  );
  const failed = copies.flatMap((c, i) =>
    c.status === 'rejected' ? [[session.envelope.rcptTo[i].address, c.reason as Error] as const] : [],
  );
  if (failed.length === copies.length) {
    await releaseRelaySend(app.metabase, database, day);
    throw smtpReply(
      451,
      `4.4.1 The upstream did not take the message, try again later: ${failed[0][1].message}`,
    );
  }
  if (failed.length) {
    app.log.warn(
      { database, refused: failed.map(([to, err]) => ({ to, err: err.message })) },
      'the upstream refused some recipients of a relayed message',
    );
  }
  const response = copies.find((c) => c.status === 'fulfilled')?.value.response;
  return `Accepted (${reservation.sent} of ${reservation.limit} today): ${response ?? 'forwarded'}`;
}
