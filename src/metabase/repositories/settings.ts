import type { Kysely } from 'kysely';
import type { Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export async function getSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('platform_setting')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.value;
}

/** Sets the value unless one is already there (two processes starting at once agree on one). */
export async function setSettingIfMissing(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('platform_setting')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

export async function setSetting(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('platform_setting')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
