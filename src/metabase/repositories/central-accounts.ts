import type { Kysely } from 'kysely';
import type { CentralAccountRow, Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export function findAccountsByLogins(db: Db, logins: string[]): Promise<CentralAccountRow[]> {
  if (!logins.length) return Promise.resolve([]);
  return db.selectFrom('central_account').selectAll().where('login', 'in', logins).execute();
}

export function findAccountByLogin(db: Db, login: string): Promise<CentralAccountRow | undefined> {
  return db.selectFrom('central_account').selectAll().where('login', '=', login).executeTakeFirst();
}

export async function ensureAccounts(
  db: Db,
  accounts: { login: string; name: string | null }[],
): Promise<void> {
  if (!accounts.length) return;
  await db
    .insertInto('central_account')
    .values(accounts)
    .onConflict((oc) => oc.column('login').doNothing())
    .execute();
}
