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
