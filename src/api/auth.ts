import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import type { App } from '../app.js';
import { hashPassword } from '../agents/password.js';
import { NotFound, TooManyRequests, Unauthenticated } from '../errors.js';
import { metabaseReads } from '../metabase/connect.js';
import { findAgentByLogin } from '../metabase/repositories/agents.js';
import {
  deleteApiToken,
  findAgentByToken,
  insertApiToken,
  listApiTokens,
  type ApiTokenInfo,
} from '../metabase/repositories/api-tokens.js';
import { countLoginAttempt, refundLoginAttempt } from '../metabase/repositories/login-throttle.js';
import { deleteSession, insertSession, touchSession } from '../metabase/repositories/sessions.js';
import type { AgentRow } from '../metabase/schema.js';
import { addDays } from '../dates.js';

export const SESSION_COOKIE = 'dbtools_session';
const ATTEMPT_WINDOW_MINUTES = 15;
/** Attempts for one login from one address in the window: the 6th is refused. */
const MAX_ATTEMPTS_PER_ADDRESS = 5;
/** Attempts for one login from all addresses together: spreading a guess over addresses does not help. */
const MAX_ATTEMPTS_PER_LOGIN = 20;

// Verifying against this when the login is unknown keeps both answers equally slow.
let decoyHash: Promise<string> | undefined;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Each attempt is counted before the password is checked, per login and per login + address,
 * in one statement: of parallel attempts only the first few are ever checked; the rest are a
 * 429 with Retry-After, the right password included. A success gives its attempt back. The
 * session id is new at each login, and the session of the cookie the caller came with ends.
 */
export async function login(
  app: App,
  loginName: string,
  password: string,
  address: string,
  previousCookie?: string,
): Promise<{ cookie: string; csrfToken: string; agent: AgentRow }> {
  const loginKey = `login ${JSON.stringify(loginName)}`;
  const addressKey = `${loginKey} from ${address}`;
  const counts = await countLoginAttempt(app.metabase, [loginKey, addressKey], ATTEMPT_WINDOW_MINUTES);
  const over = counts.filter(
    (c) => c.attempts > (c.key === loginKey ? MAX_ATTEMPTS_PER_LOGIN : MAX_ATTEMPTS_PER_ADDRESS),
  );
  if (over.length) {
    const retryAfter = Math.max(...over.map((c) => c.retryAfter));
    throw new TooManyRequests(
      `Too many login attempts for ${loginName}; try again in ${Math.ceil(retryAfter / 60)} minutes.`,
      retryAfter,
    );
  }
  const agent = await findAgentByLogin(app.metabase, loginName);
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const hash = agent?.password_hash ?? (await decoyHash);
  const ok = (await argon2.verify(hash, password).catch(() => false)) && !!agent && !agent.disabled;
  if (!ok || !agent) throw new Unauthenticated('Wrong login or password.');
  await refundLoginAttempt(app.metabase, [loginKey], [addressKey]);
  if (previousCookie) await deleteSession(app.metabase, sha256(previousCookie));
  const cookie = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await insertSession(app.metabase, { id: sha256(cookie), agent_id: agent.id, csrf_token: csrfToken });
  return { cookie, csrfToken, agent };
}

export function sessionAgent(app: App, cookie: string) {
  return touchSession(
    app.metabase,
    metabaseReads(app.metabase),
    sha256(cookie),
    app.config.sessionIdleMinutes,
  );
}

export function logout(app: App, cookie: string): Promise<void> {
  return deleteSession(app.metabase, sha256(cookie));
}

/** API tokens are shown once; only their hash is kept. They expire (default: the configured token days). */
export async function createApiToken(
  app: App,
  agent: AgentRow,
  request: { name: string; expiresInDays?: number },
): Promise<ApiTokenInfo & { token: string }> {
  const token = `dbt_${randomBytes(32).toString('base64url')}`;
  const info = await insertApiToken(app.metabase, {
    agent_id: agent.id,
    name: request.name,
    token_hash: sha256(token),
    expires_at: addDays(app.now(), request.expiresInDays ?? app.config.tokenDays),
  });
  return { ...info, token };
}

export function tokenAgent(app: App, token: string): Promise<AgentRow | undefined> {
  return findAgentByToken(app.metabase, sha256(token), app.now());
}

export function listTokens(app: App, agent: AgentRow): Promise<ApiTokenInfo[]> {
  return listApiTokens(app.metabase, agent.id);
}

/** Revokes one of the caller's own tokens: it stops working at once. */
export async function revokeToken(app: App, agent: AgentRow, id: number): Promise<ApiTokenInfo> {
  const gone = await deleteApiToken(app.metabase, agent.id, id);
  if (!gone) throw new NotFound(`You have no API token #${id}.`);
  return gone;
}
