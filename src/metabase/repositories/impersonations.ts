import type { Kysely } from 'kysely';
import type { ImpersonationSessionRow, ImpersonationSessionTable, Metabase } from '../schema.js';
import type { Insertable } from 'kysely';

type Db = Kysely<Metabase>;

export async function insertImpersonation(
  db: Db,
  row: Insertable<ImpersonationSessionTable>,
): Promise<ImpersonationSessionRow> {
  return db.insertInto('impersonation_session').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The agent's sessions on this database that are neither stopped nor expired, newest first. */
export function activeImpersonations(
  db: Db,
  database: string,
  agentId: number,
  now: Date,
): Promise<ImpersonationSessionRow[]> {
  return db
    .selectFrom('impersonation_session')
    .selectAll()
    .where('database_name', '=', database)
    .where('agent_id', '=', agentId)
    .where('stopped_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('id', 'desc')
    .execute();
}

export function findImpersonationByTokenHash(
  db: Db,
  tokenHash: string,
): Promise<ImpersonationSessionRow | undefined> {
  return db
    .selectFrom('impersonation_session')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/**
 * Marks the token used, once: of two concurrent verifications only one gets the row back,
 * because the condition and the write are one statement.
 */
export function consumeImpersonationToken(
  db: Db,
  tokenHash: string,
  now: Date,
): Promise<ImpersonationSessionRow | undefined> {
  return db
    .updateTable('impersonation_session')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('stopped_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}

export function stopImpersonations(
  db: Db,
  database: string,
  agentId: number,
  now: Date,
  userId?: number,
): Promise<ImpersonationSessionRow[]> {
  let q = db
    .updateTable('impersonation_session')
    .set({ stopped_at: now })
    .where('database_name', '=', database)
    .where('agent_id', '=', agentId)
    .where('stopped_at', 'is', null)
    .where('expires_at', '>', now);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  return q.returningAll().execute();
}

export function findImpersonation(db: Db, id: number): Promise<ImpersonationSessionRow | undefined> {
  return db.selectFrom('impersonation_session').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Stops one session (still running), answering it; undefined when it had ended already. */
export function stopImpersonation(db: Db, id: number, now: Date): Promise<ImpersonationSessionRow | undefined> {
  return db
    .updateTable('impersonation_session')
    .set({ stopped_at: now })
    .where('id', '=', id)
    .where('stopped_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}
