import type { MetabaseDb } from '../metabase/connect.js';
import { eachSupportLog } from '../metabase/repositories/support-logs.js';
import { checkChain, type ChainCheck } from './chain.js';
import { readHeads } from './heads.js';
import { auditKeyOf } from './key.js';

export type HistoryCheck = ChainCheck & {
  heads: { file: string; published: number; rejectedLines: number[]; missing: boolean };
};

/**
 * Recomputes the whole support history's chain with the handle's audit key, against every head
 * published in `headsFile`, in one snapshot (REPEATABLE READ): entries written meanwhile are
 * neither half-seen nor mistaken for a break. The heads are read first, so each names an entry
 * the snapshot holds.
 */
export async function verifySupportHistory(db: MetabaseDb, headsFile: string): Promise<HistoryCheck> {
  const key = auditKeyOf(db);
  const { heads, rejectedLines, missing } = await readHeads(headsFile, key);
  const check = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute((tx) => checkChain(eachSupportLog(tx), { key, heads }));
  return { ...check, heads: { file: headsFile, published: heads.length, rejectedLines, missing } };
}
