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

/**
 * How often a session's last_seen_at is written: the idle timeout counts in minutes, and a write
 * on every request (a durable commit each, all of one agent's requests on one row) made the
 * session row the console's bottleneck under load.
 */
const TOUCH_EVERY = sql<Date>`now() - interval '30 seconds'`;

/**
 * The session's agent, when the session exists, is not idle for longer than allowed and the agent
 * is enabled; read on `reads` (the shared read connections), and its last_seen_at moved forward
 * when older than half a minute.
 */
export async function touchSession(
  db: Db,
  reads: Db,
  id: string,
  idleMinutes: number,
): Promise<{ agent: AgentRow; csrfToken: string } | undefined> {
  const row = await reads
    .selectFrom('agent_session as s')
    .innerJoin('agent as a', 'a.id', 's.agent_id')
    .where('s.id', '=', id)
    .where('a.disabled', '=', false)
    .where('s.last_seen_at', '>', sql<Date>`now() - make_interval(mins => ${idleMinutes})`)
    .select([
      's.csrf_token',
      sql<boolean>`s.last_seen_at < ${TOUCH_EVERY}`.as('stale'),
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
  const { csrf_token, stale, ...agent } = row;
  if (stale) {
    // Requests at once all see it stale: the first one writes, the others find it fresh.
    await db
      .updateTable('agent_session')
      .set({ last_seen_at: new Date() })
      .where('id', '=', id)
      .where('last_seen_at', '<', TOUCH_EVERY)
      .execute();
  }
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
