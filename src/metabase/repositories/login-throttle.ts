import { sql, type Kysely } from 'kysely';
import type { Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export interface ThrottleCount {
  key: string;
  attempts: number;
  /** Seconds until this key's window ends. */
  retryAfter: number;
}

/**
 * Counts one more login attempt on each key and answers the counts, in one statement: the
 * upsert locks each row, so 50 parallel attempts get 50 distinct counts (no read-then-write
 * race). A window older than `minutes` starts over. Keys are always given in the same order
 * by the caller, so two statements lock rows in the same order and cannot deadlock.
 */
export async function countLoginAttempt(db: Db, keys: string[], minutes: number): Promise<ThrottleCount[]> {
  const { rows } = await sql<{ key: string; attempts: number; retry_after: number }>`
    INSERT INTO login_throttle AS t (key, attempts, window_start)
    SELECT k, 1, now() FROM unnest(${keys}::text[]) WITH ORDINALITY AS u(k, i) ORDER BY i
    ON CONFLICT (key) DO UPDATE SET
      attempts = CASE WHEN t.window_start <= now() - make_interval(mins => ${minutes}) THEN 1 ELSE t.attempts + 1 END,
      window_start = CASE WHEN t.window_start <= now() - make_interval(mins => ${minutes}) THEN now() ELSE t.window_start END
    RETURNING key, attempts,
      greatest(1, ceil(extract(epoch FROM t.window_start + make_interval(mins => ${minutes}) - now())))::int AS retry_after
  `.execute(db);
  return rows.map((r) => ({ key: r.key, attempts: r.attempts, retryAfter: r.retry_after }));
}

/** A successful login gives its own attempt back on these keys and clears those in `reset`. */
export async function refundLoginAttempt(db: Db, refund: string[], reset: string[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    // The same order as countLoginAttempt's (the login's key before the address's): no deadlock.
    if (refund.length)
      await tx
        .updateTable('login_throttle')
        .set({ attempts: sql`greatest(attempts - 1, 0)` })
        .where('key', 'in', refund)
        .execute();
    if (reset.length) await tx.deleteFrom('login_throttle').where('key', 'in', reset).execute();
  });
}

/** The attempts counted on these keys in their current window (a key with none is left out). */
export async function readLoginAttempts(db: Db, keys: string[], minutes: number): Promise<ThrottleCount[]> {
  const { rows } = await sql<{ key: string; attempts: number; retry_after: number }>`
    SELECT key, attempts,
           greatest(1, ceil(extract(epoch FROM window_start + make_interval(mins => ${minutes}) - now())))::int AS retry_after
      FROM login_throttle
     WHERE key = ANY(${keys}::text[]) AND window_start > now() - make_interval(mins => ${minutes})`.execute(
    db,
  );
  return rows.map((r) => ({ key: r.key, attempts: r.attempts, retryAfter: r.retry_after }));
}
