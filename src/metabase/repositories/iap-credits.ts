import type { Kysely } from 'kysely';
import type { IapCreditLedgerTable, Metabase } from '../schema.js';
import type { Insertable } from 'kysely';

type Db = Kysely<Metabase>;

export async function insertIapCredits(db: Db, entries: Insertable<IapCreditLedgerTable>[]): Promise<void> {
  if (entries.length) await db.insertInto('iap_credit_ledger').values(entries).execute();
}

/** Balance per account token: the sum of its ledger entries (absent: 0). */
/** Forgets the ledger of databases a demo seed starts over. */
export async function deleteIapCreditsOf(db: Db, databases: string[]): Promise<void> {
  if (databases.length)
    await db.deleteFrom('iap_credit_ledger').where('database_name', 'in', databases).execute();
}

export async function iapBalances(db: Db, tokens: string[]): Promise<Map<string, number>> {
  if (!tokens.length) return new Map();
  const rows = await db
    .selectFrom('iap_credit_ledger')
    .select(['account_token', (eb) => eb.fn.sum<number>('credits').as('balance')])
    .where('account_token', 'in', tokens)
    .groupBy('account_token')
    .execute();
  return new Map(rows.map((r) => [r.account_token, r.balance]));
}
