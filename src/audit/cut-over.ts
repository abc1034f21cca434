import { ConfigError } from '../config/config.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { systemActor } from '../lifecycle/system-actor.js';
import { firstSystemSupportLog, insertSupportLog, lockSupportLogChain } from '../metabase/repositories/support-logs.js';
import { KEY_CUT_OVER } from './chain.js';
import { auditKeyOf } from './key.js';

/**
 * The clean cut from plain hashes to keyed ones: the first start with an audit key appends an
 * entry naming the key (its id, not the key), signed with it, and every entry from there on is
 * keyed. The plain history before it stays as it was, and is covered from here on: its newest
 * hash is the cut-over entry's `prev_hash`, under the key. A later start finds that entry and
 * refuses a process whose key is another one (its entries would break the chain).
 */
export async function ensureKeyedChain(db: MetabaseDb): Promise<{ id: number; created: boolean }> {
  const key = auditKeyOf(db);
  return db.transaction().execute(async (tx) => {
    // The same lock as the writers': two processes starting together write one cut-over.
    await lockSupportLogChain(tx);
    const existing = await firstSystemSupportLog(tx, KEY_CUT_OVER);
    if (existing) {
      const keyId = (existing.inputs as { key_id?: unknown }).key_id;
      if (keyId !== key.id) {
        throw new ConfigError(
          `The support history is signed with the audit key ${String(keyId)}, and this process has ${key.id}: ` +
            'give every process of the platform the same key (DBTOOLS_AUDIT_KEY, or the key file in DBTOOLS_DATA_DIR/audit).',
        );
      }
      return { id: Number(existing.id), created: false };
    }
    await insertSupportLog(tx, {
      ...(await systemActor(tx)),
      operation: KEY_CUT_OVER,
      database_name: '',
      inputs: { key_id: key.id },
      outcome: 'success',
      message: 'From this entry on, the support history is signed with the audit key; the entries before it were hashed before the key existed.',
      request_id: null,
    });
    const written = await firstSystemSupportLog(tx, KEY_CUT_OVER);
    return { id: Number(written!.id), created: true };
  });
}
