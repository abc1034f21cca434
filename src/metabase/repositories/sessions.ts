import { sql, type Kysely } from 'kysely';
import type { AgentRow, Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export async function insertSession(
  db: Db,
  s: { id: string; agent_id: number; csrf_token: string },
): Promise<void> {
  await db
    .insertInto('agent_session')
    .values({ ...s, last_seen_at: new Date() })
    .execute();
}

/** The session's agent, when the session exists, is not idle for longer than allowed and the agent is enabled. */
export async function touchSession(
  db: Db,
  id: string,
  idleMinutes: number,
): Promise<{ agent: AgentRow; csrfToken: string } | undefined> {
  const row = await db
    .updateTable('agent_session as s')
    .set({ last_seen_at: new Date() })
    .from('agent as a')
    .whereRef('a.id', '=', 's.agent_id')
    .where('s.id', '=', id)
    .where('a.disabled', '=', false)
    .where('s.last_seen_at', '>', sql<Date>`now() - make_interval(mins => ${idleMinutes})`)
    .returning([
      's.csrf_token',
      'a.id',
      'a.login',
      'a.name',
      'a.level',
      'a.password_hash',
      'a.disabled',
      'a.created_at',
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  const { csrf_token, ...agent } = row;
  return { agent, csrfToken: csrf_token };
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('agent_session').where('id', '=', id).execute();
}

/** A disabled agent is logged out everywhere at once. */
export async function deleteSessionsOfAgent(db: Db, login: string): Promise<void> {
  await db
    .deleteFrom('agent_session')
    .where('agent_id', 'in', db.selectFrom('agent').select('id').where('login', '=', login))
    .execute();
}

export async function insertApiToken(
  db: Db,
  t: { agent_id: number; name: string; token_hash: string },
): Promise<number> {
  const row = await db.insertInto('api_token').values(t).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function findAgentByToken(db: Db, tokenHash: string): Promise<AgentRow | undefined> {
  const row = await db
    .updateTable('api_token as t')
    .set({ last_used_at: new Date() })
    .from('agent as a')
    .whereRef('a.id', '=', 't.agent_id')
    .where('t.token_hash', '=', tokenHash)
    .where('a.disabled', '=', false)
    .returning(['a.id', 'a.login', 'a.name', 'a.level', 'a.password_hash', 'a.disabled', 'a.created_at'])
    .executeTakeFirst();
  return row;
}

export async function recordLoginFailure(db: Db, login: string, address: string): Promise<void> {
  await db.insertInto('login_failure').values({ login, address }).execute();
}

export async function countRecentLoginFailures(
  db: Db,
  login: string,
  address: string,
  minutes: number,
): Promise<number> {
  const row = await db
    .selectFrom('login_failure')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('login', '=', login)
    .where('address', '=', address)
    .where('at', '>', sql<Date>`now() - make_interval(mins => ${minutes})`)
    .executeTakeFirstOrThrow();
  return row.n;
}

export async function clearLoginFailures(db: Db, login: string, address: string): Promise<void> {
  await db.deleteFrom('login_failure').where('login', '=', login).where('address', '=', address).execute();
}
