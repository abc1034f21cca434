import type { MetabaseDb } from '../metabase/connect.js';
import { eachSupportLog } from '../metabase/repositories/support-logs.js';
import { checkChain, type ChainCheck } from './chain.js';

/**
 * Recomputes the whole support history's chain in one snapshot (REPEATABLE READ): entries
 * written meanwhile are neither half-seen nor mistaken for a break.
 */
export function verifySupportHistory(db: MetabaseDb): Promise<ChainCheck> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute((tx) => checkChain(eachSupportLog(tx)));
}
