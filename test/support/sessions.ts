import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { App } from '../../src/app.js';

/** The metabase id of a session: the sha256 of its cookie value (`dbtools_session=VALUE`). */
function sessionId(cookie: string): string {
  const value = cookie.includes('=') ? cookie.slice(cookie.indexOf('=') + 1) : cookie;
  return createHash('sha256').update(value).digest('hex');
}

/** Makes a session look idle for `minutes`, as if its agent had walked away. */
export async function idleSession(app: App, cookie: string, minutes: number): Promise<void> {
  await app.metabase
    .updateTable('agent_session')
    .set({ last_seen_at: sql<Date>`now() - make_interval(mins => ${minutes})` })
    .where('id', '=', sessionId(cookie))
    .executeTakeFirstOrThrow();
}

/** Seconds since the session was last seen (its last_seen_at). */
export async function sessionIdleSeconds(app: App, cookie: string): Promise<number> {
  const row = await app.metabase
    .selectFrom('agent_session')
    .select(sql<number>`extract(epoch FROM now() - last_seen_at)::float8`.as('idle'))
    .where('id', '=', sessionId(cookie))
    .executeTakeFirstOrThrow();
  return row.idle;
}
