import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import type { App } from '../app.js';
import { hashPassword } from '../agents/password.js';
import { TooManyRequests, Unauthenticated } from '../errors.js';
import { findAgentByLogin } from '../metabase/repositories/agents.js';
import {
  clearLoginFailures,
  countRecentLoginFailures,
  deleteSession,
  findAgentByToken,
  insertApiToken,
  insertSession,
  recordLoginFailure,
  touchSession,
} from '../metabase/repositories/sessions.js';
import type { AgentRow } from '../metabase/schema.js';

export const SESSION_COOKIE = 'dbtools_session';
const FAILURE_WINDOW_MINUTES = 15;
const MAX_FAILURES = 5;

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

export async function login(
  app: App,
  loginName: string,
  password: string,
  address: string,
): Promise<{ cookie: string; csrfToken: string; agent: AgentRow }> {
  if ((await countRecentLoginFailures(app.metabase, loginName, address, FAILURE_WINDOW_MINUTES)) >= MAX_FAILURES) {
    throw new TooManyRequests(`Too many failed logins for ${loginName}; try again in ${FAILURE_WINDOW_MINUTES} minutes.`);
  }
  const agent = await findAgentByLogin(app.metabase, loginName);
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const hash = agent?.password_hash ?? (await decoyHash);
  const ok = (await argon2.verify(hash, password).catch(() => false)) && !!agent && !agent.disabled;
  if (!ok || !agent) {
    await recordLoginFailure(app.metabase, loginName, address);
    throw new Unauthenticated('Wrong login or password.');
  }
  await clearLoginFailures(app.metabase, loginName, address);
  const cookie = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await insertSession(app.metabase, { id: sha256(cookie), agent_id: agent.id, csrf_token: csrfToken });
  return { cookie, csrfToken, agent };
}

export function sessionAgent(app: App, cookie: string) {
  return touchSession(app.metabase, sha256(cookie), app.config.sessionIdleMinutes);
}

export function logout(app: App, cookie: string): Promise<void> {
  return deleteSession(app.metabase, sha256(cookie));
}

/** API tokens are shown once; only their hash is kept. */
export async function createApiToken(app: App, agent: AgentRow, name: string): Promise<{ id: number; token: string }> {
  const token = `dbt_${randomBytes(32).toString('base64url')}`;
  const id = await insertApiToken(app.metabase, { agent_id: agent.id, name, token_hash: sha256(token) });
  return { id, token };
}

export function tokenAgent(app: App, token: string): Promise<AgentRow | undefined> {
  return findAgentByToken(app.metabase, sha256(token));
}
