import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { parseRange } from '../dumps/download.js';
import { DomainError, NotFound, TooManyRequests } from '../errors.js';
import { lockoutAddress, withLockout } from '../login-lockout.js';
import type { HostingServerRow } from '../metabase/schema.js';
import { logFilePath, parseLogFileName } from './layout.js';
import { LOG_USER, verifyLogPassword } from './password.js';

class LogPasswordRequired extends DomainError {
  constructor() {
    super('unauthenticated', 401, `Log files need the log password of this server (user "${LOG_USER}").`);
  }
}

function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Failed log passwords for one server (from anywhere) before it is locked out for the window. */
export const LOGS_MAX_FAILURES_PER_SERVER = 10;
/** Failed log passwords from one address (any server) before it is locked out. */
export const LOGS_MAX_FAILURES_PER_ADDRESS = 20;

/** The log password checked under the lockout: per server (the password is the server's) and per address. */
function logPasswordLogin(
  app: App,
  serverName: string,
  credentials: { user: string; password: string },
  remoteAddress: string,
) {
  return withLockout(
    app.metabase,
    [
      { key: `logs server ${JSON.stringify(serverName)}`, maxFailures: LOGS_MAX_FAILURES_PER_SERVER },
      { key: `logs from ${lockoutAddress(remoteAddress)}`, maxFailures: LOGS_MAX_FAILURES_PER_ADDRESS },
    ],
    async () =>
      credentials.user === LOG_USER && (await verifyLogPassword(app, serverName, credentials.password))
        ? true
        : undefined,
  );
}

/**
 * GET /logs/{server}/{file}: HTTP Basic with the server's log password (agents open it in a
 * browser tab or with `curl -u logs:…`, without a console session). Plain days are shown
 * inline, gzipped ones downloaded; single ranges are honoured. Only names of the folder's own
 * pattern are served, so no path leads outside it.
 */
export async function serveLogFile(
  app: App,
  serverName: string,
  server: HostingServerRow | undefined,
  name: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const credentials = basicCredentials(request.headers.authorization);
  // No credentials at all is how a browser asks for the prompt: not an attempt, not counted.
  const login = credentials
    ? await logPasswordLogin(app, serverName, credentials, request.ip)
    : ({ outcome: 'refused' } as const);
  if (login.outcome === 'locked') {
    throw new TooManyRequests(
      `Too many wrong log passwords for this server or from this address; try again in ${Math.ceil(login.retryAfterSeconds / 60)} minutes.`,
      login.retryAfterSeconds,
    );
  }
  // An unknown server is answered like a wrong password: the answer does not say which names exist.
  if (login.outcome === 'refused' || !server) {
    reply.header('www-authenticate', `Basic realm="dbtools logs", charset="UTF-8"`);
    throw new LogPasswordRequired();
  }
  const file = logFilePath(server.log_dir, name);
  const st = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !st?.isFile()) throw new NotFound(`There is no log file ${name} on ${server.name}.`);
  const compressed = parseLogFileName(name)!.compressed;
  // The live file grows while it is read: answer the size seen now, consistently.
  const size = st.size;
  const range = parseRange(request.headers.range, size);
  reply.header('accept-ranges', 'bytes');
  reply.header('last-modified', st.mtime.toUTCString());
  reply.header('cache-control', 'private, no-store');
  reply.header('content-type', compressed ? 'application/gzip' : 'text/plain; charset=utf-8');
  reply.header('content-disposition', `${compressed ? 'attachment' : 'inline'}; filename="${server.name}-${name}"`);
  if (range === 'unsatisfiable') {
    reply.header('content-range', `bytes */${size}`);
    await reply.status(416).send();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  if (range) {
    reply.status(206);
    reply.header('content-range', `bytes ${start}-${end}/${size}`);
  }
  reply.header('content-length', end - start + 1);
  await reply.send(request.method === 'HEAD' || size === 0 ? '' : createReadStream(file, { start, end }));
}
