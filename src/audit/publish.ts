import type { MetabaseDb } from '../metabase/connect.js';
import { eachSupportLog, findSupportLog } from '../metabase/repositories/support-logs.js';
import { checkChain, type ChainBreak, type PublishedHead } from './chain.js';
import { appendHead, lastHead } from './heads.js';
import { auditKeyOf } from './key.js';

export type Publication =
  | { published: PublishedHead }
  /** The head has not moved since the last publication (null: an empty history). */
  | { unchanged: PublishedHead | null }
  /** The history no longer follows the last published head: nothing is published over it. */
  | { refused: ChainBreak };

/**
 * Publishes the newest entry's id and hash to the heads file, once the entries since the last
 * published head are checked (keyed, linked, that head still there unchanged): a head is never
 * published over a history changed since. Only the new entries are read, so it runs every minute
 * whatever the history's size; the first publication checks the whole history.
 */
export async function publishHead(db: MetabaseDb, headsFile: string, now: Date = new Date()): Promise<Publication> {
  const key = auditKeyOf(db);
  const after = await lastHead(headsFile, key);
  const check = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      if (after) {
        const entry = await findSupportLog(tx, after.id);
        if (entry?.hash !== after.hash) {
          const reason = entry
            ? `its hash is not the one published as the head on ${after.at.toISOString()} (the history was rewritten)`
            : `it was published as the head on ${after.at.toISOString()} and is no longer in the history`;
          return { intact: false as const, broken: { id: after.id, database: entry?.database_name ?? null, at: entry?.at ?? after.at, reason } };
        }
      }
      return checkChain(eachSupportLog(tx, { afterId: after?.id }), { key, heads: [], after });
    });
  if (!check.intact) return { refused: check.broken };
  if (check.headId === null || (after && check.headId === after.id)) return { unchanged: after ?? null };
  const head = { id: check.headId, hash: check.head, at: now };
  await appendHead(headsFile, key, head);
  return { published: head };
}
