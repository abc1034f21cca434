import type { Kysely } from 'kysely';
import type { AgentRow, Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export function findAgentByLogin(db: Db, login: string): Promise<AgentRow | undefined> {
  return db.selectFrom('agent').selectAll().where('login', '=', login).executeTakeFirst();
}

export function findAgentById(db: Db, id: number): Promise<AgentRow | undefined> {
  return db.selectFrom('agent').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listAgents(db: Db): Promise<AgentRow[]> {
  return db.selectFrom('agent').selectAll().orderBy('level').orderBy('login').execute();
}

export async function upsertAgent(
  db: Db,
  agent: { login: string; name: string; level: number; password_hash: string | null },
): Promise<AgentRow> {
  return db
    .insertInto('agent')
    .values(agent)
    .onConflict((oc) =>
      oc
        .column('login')
        .doUpdateSet({ name: agent.name, level: agent.level, password_hash: agent.password_hash }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Adds the agent unless its login exists (nothing about an existing one changes). */
export async function insertAgentIfMissing(
  db: Db,
  agent: { login: string; name: string; level: number; password_hash: string | null; disabled: boolean },
): Promise<void> {
  await db
    .insertInto('agent')
    .values(agent)
    .onConflict((oc) => oc.column('login').doNothing())
    .execute();
}

export async function updateAgent(
  db: Db,
  login: string,
  changes: Partial<Pick<AgentRow, 'level' | 'disabled' | 'password_hash' | 'name'>>,
): Promise<AgentRow | undefined> {
  return db.updateTable('agent').set(changes).where('login', '=', login).returningAll().executeTakeFirst();
}
