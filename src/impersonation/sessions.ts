import { createHmac, timingSafeEqual } from 'node:crypto';
import type { App } from '../app.js';
import { Conflict, NotAllowed, NotFound } from '../errors.js';
import { findAgentById } from '../metabase/repositories/agents.js';
import {
  consumeImpersonationToken,
  findImpersonation,
  findImpersonationByTokenHash,
  stopImpersonation,
  insertImpersonation,
  stopImpersonations,
} from '../metabase/repositories/impersonations.js';
import { insertSupportLog } from '../metabase/repositories/support-logs.js';
import type { MetabaseDb } from '../metabase/connect.js';
import type { ImpersonationSessionRow } from '../metabase/schema.js';
import type { OperationContext } from '../operations/define.js';
import { databaseHost } from '../frontend/host-name.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import { findInternalUser } from '../tenant/users.js';
import { checkImpersonationToken, impersonationTokenHash, signImpersonationToken } from './token.js';

/** A login link lives at most one hour (the migration checks it too). */
export const IMPERSONATION_TTL_MS = 60 * 60 * 1000;
/** Where the tenant's login hook receives the token; it calls POST /api/impersonation/verify. */
export const IMPERSONATION_LOGIN_PATH = '/web/login/impersonate';
/** Access-map key: impersonating a member of base.group_system needs this level as well. */
export const IMPERSONATION_ADMIN_ACCESS = 'impersonation_admin';
/** Access-map key of the impersonate operation itself. */
const IMPERSONATION_ACCESS = 'impersonation';

export interface ImpersonationStarted {
  url: string;
  expiresAt: Date;
  user: { id: number; login: string; name: string | null };
}

/**
 * Starts an impersonation: checks the target in the tenant, records the session (token hash
 * only) in the operation's transaction and answers the single-use login URL. Starting one
 * stops the agent's previous session on the database: an agent impersonates one user at a time.
 */
export async function startImpersonation(
  ctx: OperationContext<{ user: number; reason: string }>,
): Promise<ImpersonationStarted> {
  const { app, tx, database, agent, input, now } = ctx;
  const user = await app.tenants.withTenant(database, (client) => findInternalUser(client, { id: input.user }));
  if (!user) throw new NotFound(`There is no internal user #${input.user} in ${database.name}.`);
  if (!user.active) throw new Conflict(`${user.login} is archived: an archived user cannot sign in.`);
  if (user.isAdmin && !app.policy.allows(agent.level, IMPERSONATION_ADMIN_ACCESS)) {
    const needed = app.policy.levelName(app.policy.minimumLevel(IMPERSONATION_ADMIN_ACCESS));
    throw new NotAllowed(
      `${user.login} is an administrator of the database (Settings): impersonating them needs the ${needed} level.`,
    );
  }
  const expiresAt = new Date(now.getTime() + IMPERSONATION_TTL_MS);
  const token = signImpersonationToken(app.secret, {
    db: database.name,
    uid: user.id,
    exp: Math.floor(expiresAt.getTime() / 1000),
  });
  await stopImpersonations(tx, database.name, agent.id, now);
  await insertImpersonation(tx, {
    database_name: database.name,
    agent_id: agent.id,
    agent_login: agent.login,
    user_id: user.id,
    user_login: user.login,
    user_name: user.name,
    reason: input.reason,
    token_hash: impersonationTokenHash(token),
    created_at: now,
    expires_at: expiresAt,
  });
  // The host comes from the platform's zone, never from the tenant's web.base.url: a customer
  // who points that at their own server must not receive the token.
  const host = databaseHost(database.name, app.config.platformZone);
  const url = `https://${host}${IMPERSONATION_LOGIN_PATH}?token=${encodeURIComponent(token)}`;
  return { url, expiresAt, user: { id: user.id, login: user.login, name: user.name } };
}

export interface ImpersonationGranted {
  database: string;
  uid: number;
  login: string;
  expiresAt: Date;
  /** The session, and the key the tenant's login hook asks its status and ends it with (see impersonationSessionKey). */
  session: number;
  key: string;
  /** Who signed in and why: the tenant shows it in its banner. */
  agent: { login: string; name: string };
  reason: string;
}

/**
 * The key of one impersonation session, handed to the tenant's login hook with the granted use
 * only: with it (and nothing else) the hook asks whether the session still runs and ends it.
 * Derived from the platform secret, never stored.
 */
export function impersonationSessionKey(secret: Buffer, session: number): string {
  return createHmac('sha256', secret).update(`dbtools impersonation session\0${session}`).digest('base64url');
}

function sessionKeyMatches(secret: Buffer, session: number, key: string): boolean {
  const expected = Buffer.from(impersonationSessionKey(secret, session));
  const given = Buffer.from(key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface ImpersonationStatus {
  active: boolean;
  expiresAt: Date;
  /** Why it no longer runs: `stopped` by the agent (or the user's end link), `expired` (the hour is over). */
  ended: 'stopped' | 'expired' | null;
}

/** Whether an impersonation session still runs: what the tenant checks before serving its user. */
export async function impersonationStatus(app: App, session: number, key: string): Promise<ImpersonationStatus> {
  if (!sessionKeyMatches(app.secret, session, key)) throw new NotAllowed(INVALID);
  const row = await findImpersonation(app.metabase, session);
  if (!row) throw new NotAllowed(INVALID);
  const now = app.now();
  const ended = row.stopped_at ? 'stopped' : row.expires_at <= now ? 'expired' : null;
  return { active: !ended, expiresAt: row.expires_at, ended };
}

/** The banner's "end": the session stops as if the agent had stopped it, and the support log says so. */
export async function endImpersonation(app: App, session: number, key: string): Promise<ImpersonationStatus> {
  if (!sessionKeyMatches(app.secret, session, key)) throw new NotAllowed(INVALID);
  const now = app.now();
  await app.metabase.transaction().execute(async (tx) => {
    const row = await stopImpersonation(tx, session, now);
    if (!row) return;
    await logImpersonation(tx, row, 'impersonation-end', 'success', 'Ended from the banner in the database.');
  });
  return impersonationStatus(app, session, key);
}

const INVALID = 'This impersonation link is not valid.';

/**
 * What happens to a login link (each use, granted or refused, and its end from the banner) is in
 * the support log under the agent who made it.
 */
async function logImpersonation(
  db: MetabaseDb,
  row: ImpersonationSessionRow,
  operation: 'impersonation-use' | 'impersonation-end',
  outcome: 'success' | 'failure',
  message: string | null,
): Promise<void> {
  const agent = await findAgentById(db, row.agent_id);
  await insertSupportLog(db, {
    agent_id: row.agent_id,
    agent_login: row.agent_login,
    agent_level: agent?.level ?? 0,
    operation,
    database_name: row.database_name,
    inputs: { user: row.user_id, login: row.user_login, session: row.id },
    outcome,
    message,
    request_id: null,
  });
}

function refusal(row: ImpersonationSessionRow, now: Date): Error {
  if (row.stopped_at) return new NotAllowed('This impersonation was stopped by the agent.');
  if (row.used_at) return new Conflict('This impersonation link was already used: a link signs in once.');
  if (row.expires_at <= now)
    return new NotAllowed('This impersonation link expired: start a new impersonation.');
  return new NotAllowed(INVALID);
}

/**
 * Why a link may not be used now, whatever held when it was made: the level rule is checked
 * again against the agent's level and the user's groups at this moment (a user made an
 * administrator since, by reset-admin-rights or in Odoo, needs the administrators' level).
 */
async function refusalAtUse(app: App, db: MetabaseDb, row: ImpersonationSessionRow): Promise<string | null> {
  const database = await findDatabase(db, row.database_name);
  if (!database || database.state !== 'active') return `The database ${row.database_name} is no longer active.`;
  const agent = await findAgentById(db, row.agent_id);
  if (!agent || agent.disabled) return `The agent ${row.agent_login} who made this link can no longer sign in.`;
  if (!app.policy.allows(agent.level, IMPERSONATION_ACCESS)) {
    return `Impersonation needs the ${app.policy.levelName(app.policy.minimumLevel(IMPERSONATION_ACCESS))} level; ${agent.login}'s is ${app.policy.levelName(agent.level)} now.`;
  }
  const user = await app.tenants.withTenant(database, (client) => findInternalUser(client, { id: row.user_id }));
  if (!user || !user.active) return `${row.user_login} is no longer an active internal user of ${row.database_name}.`;
  if (user.isAdmin && !app.policy.allows(agent.level, IMPERSONATION_ADMIN_ACCESS)) {
    const needed = app.policy.levelName(app.policy.minimumLevel(IMPERSONATION_ADMIN_ACCESS));
    return `${user.login} is now an administrator of the database (Settings): signing in as them needs the ${needed} level.`;
  }
  return null;
}

/**
 * What the tenant's login hook calls: accepts a valid token once. A forged or altered token,
 * an expired one, a reused one and one whose session was stopped are refused. The use is in
 * the database's support log with the agent and the user, in the same transaction.
 */
export async function verifyImpersonation(app: App, token: string): Promise<ImpersonationGranted> {
  const now = app.now();
  const check = checkImpersonationToken(app.secret, token, now);
  if (!check.ok) {
    throw new NotAllowed(
      check.reason === 'expired' ? 'This impersonation link expired: start a new impersonation.' : INVALID,
    );
  }
  const hash = impersonationTokenHash(token);
  const outcome = await app.metabase.transaction().execute(async (tx) => {
    const row = await consumeImpersonationToken(tx, hash, now);
    if (!row) return { refused: await findImpersonationByTokenHash(tx, hash) };
    if (row.database_name !== check.claims.db || row.user_id !== check.claims.uid)
      throw new NotAllowed(INVALID);
    // A refused use still spends the link (it committed with its support-log entry).
    const denied = await refusalAtUse(app, tx, row);
    await logImpersonation(tx, row, 'impersonation-use', denied ? 'failure' : 'success', denied);
    return denied ? { denied } : { granted: row };
  });
  if ('denied' in outcome && outcome.denied) throw new NotAllowed(outcome.denied);
  if ('granted' in outcome && outcome.granted) {
    const row = outcome.granted;
    const agent = await findAgentById(app.metabase, row.agent_id);
    return {
      database: row.database_name,
      uid: row.user_id,
      login: row.user_login,
      expiresAt: row.expires_at,
      session: row.id,
      key: impersonationSessionKey(app.secret, row.id),
      agent: { login: row.agent_login, name: agent?.name ?? row.agent_login },
      reason: row.reason,
    };
  }
  const row = outcome.refused;
  if (!row) throw new NotAllowed(INVALID);
  const error = refusal(row, now);
  await logImpersonation(app.metabase, row, 'impersonation-use', 'failure', error.message);
  throw error;
}
