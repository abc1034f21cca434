import type { MetabaseDb } from '../metabase/connect.js';
import { findAgentById, findAgentByLogin, insertAgentIfMissing } from '../metabase/repositories/agents.js';
import type { SupportLogEntry } from '../metabase/repositories/support-logs.js';

/** Who a support-log entry names: the agent's id, login and level at the time of the entry. */
export type SupportLogActor = Pick<SupportLogEntry, 'agent_id' | 'agent_login' | 'agent_level'>;

/** The agent that signs what the platform does by itself (reaper, schedules, the audit key's cut-over). */
export const SYSTEM_LOGIN = 'system';
/** The highest level: what the platform does by itself is never refused by the access map. */
export const SYSTEM_LEVEL = 5;

/** Seeded at every start; it cannot log in (no password, disabled). */
export async function ensureSystemAgent(db: MetabaseDb): Promise<void> {
  await insertAgentIfMissing(db, {
    login: SYSTEM_LOGIN,
    name: 'Platform (automatic)',
    level: SYSTEM_LEVEL,
    password_hash: null,
    disabled: true,
  });
}

/**
 * The system agent as a support-log entry names it. Seeded at start, so the row is there; a
 * metabase without it (a test's bare one) still gets the same login and level, with no id.
 */
export async function systemActor(db: MetabaseDb): Promise<SupportLogActor> {
  const system = await findAgentByLogin(db, SYSTEM_LOGIN);
  return { agent_id: system?.id ?? null, agent_login: SYSTEM_LOGIN, agent_level: system?.level ?? SYSTEM_LEVEL };
}

/**
 * The agent who queued a job, or the system agent when none did (a schedule) or the agent is
 * gone: every entry a job writes names someone the history can show.
 */
export async function jobActor(db: MetabaseDb, agentId: number | null): Promise<SupportLogActor> {
  const agent = agentId ? await findAgentById(db, agentId) : undefined;
  if (!agent) return systemActor(db);
  return { agent_id: agent.id, agent_login: agent.login, agent_level: agent.level };
}
