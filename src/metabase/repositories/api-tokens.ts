import type { Kysely } from 'kysely';
import type { AgentRow, Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

/** What an agent may see of their tokens: never the secret, not even its hash. */
export interface ApiTokenInfo {
  id: number;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date;
}

export async function insertApiToken(
  db: Db,
  t: { agent_id: number; name: string; token_hash: string; expires_at: Date },
): Promise<ApiTokenInfo> {
  return db
    .insertInto('api_token')
    .values(t)
    .returning(['id', 'name', 'created_at', 'last_used_at', 'expires_at'])
    .executeTakeFirstOrThrow();
}

/** The token's agent, when the token exists, has not expired and the agent is enabled. */
export async function findAgentByToken(db: Db, tokenHash: string, now: Date): Promise<AgentRow | undefined> {
  return db
    .updateTable('api_token as t')
    .set({ last_used_at: now })
    .from('agent as a')
    .whereRef('a.id', '=', 't.agent_id')
    .where('t.token_hash', '=', tokenHash)
    .where('t.expires_at', '>', now)
    .where('a.disabled', '=', false)
    .returning(['a.id', 'a.login', 'a.name', 'a.level', 'a.password_hash', 'a.disabled', 'a.created_at'])
    .executeTakeFirst();
}

/** The agent's tokens, expired ones included (so they can see why a script stopped), newest first. */
export function listApiTokens(db: Db, agentId: number): Promise<ApiTokenInfo[]> {
  return db
    .selectFrom('api_token')
    .select(['id', 'name', 'created_at', 'last_used_at', 'expires_at'])
    .where('agent_id', '=', agentId)
    .orderBy('id', 'desc')
    .execute();
}

/** Revokes one of the agent's own tokens; another agent's token id is as unknown as a missing one. */
export async function deleteApiToken(db: Db, agentId: number, id: number): Promise<ApiTokenInfo | undefined> {
  return db
    .deleteFrom('api_token')
    .where('id', '=', id)
    .where('agent_id', '=', agentId)
    .returning(['id', 'name', 'created_at', 'last_used_at', 'expires_at'])
    .executeTakeFirst();
}
