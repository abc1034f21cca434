import { sql, type Kysely } from 'kysely';
import type { DatabaseRow, DatabaseUpdate, Metabase, NewDatabase } from '../schema.js';

type Db = Kysely<Metabase>;

export function findDatabase(db: Db, name: string): Promise<DatabaseRow | undefined> {
  return db.selectFrom('database').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Locks the row for the rest of the transaction: operations on one database run one at a time. */
export function lockDatabase(tx: Db, name: string): Promise<DatabaseRow | undefined> {
  return tx.selectFrom('database').selectAll().where('name', '=', name).forUpdate().executeTakeFirst();
}

export async function updateDatabase(tx: Db, name: string, changes: DatabaseUpdate): Promise<DatabaseRow> {
  return tx
    .updateTable('database')
    .set(changes)
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertDatabases(db: Db, rows: NewDatabase[]): Promise<void> {
  if (rows.length) await db.insertInto('database').values(rows).execute();
}

export interface DatabaseSearch {
  q?: string;
  mode?: string;
  status?: string;
  server?: string;
  limit: number;
  /** Keyset pagination: the last name of the previous page. */
  after?: string;
  /** Names read in order before a text search turns to the trigram index (default 5000; tests use a few). */
  orderedWindow?: number;
}

export type DatabaseListItem = Pick<
  DatabaseRow,
  | 'name'
  | 'uuid'
  | 'mode'
  | 'status'
  | 'version'
  | 'expire_date'
  | 'duplicate_of'
  | 'subcode'
  | 'extra_apps'
  | 'state'
> & { server: string };

// How many names, in order, the first step of a text search reads before it switches to the
// trigram index (see searchDatabases).
const ORDERED_WINDOW = 5000;

/**
 * One query for every filter. `q` matches a name substring (pg_trgm index), a uuid prefix
 * (text_pattern_ops index) or an exact subscription code; pages are keyset on the name.
 *
 * A substring search with ORDER BY name LIMIT n has two plans and PostgreSQL cannot tell which
 * one is fast: walking the name index is fast when matches are dense early in the order and
 * takes seconds at a million rows when they cluster late (every `nordic-...` sorts after
 * `acme-...`); the trigram bitmap is fast when matches are few and slow when they are many.
 * So the search walks a bounded window of the name order first, and only when that window
 * does not fill the page does it ask the trigram index for the rest, sorted.
 */
export async function searchDatabases(db: Db, s: DatabaseSearch): Promise<DatabaseListItem[]> {
  const q = s.q ? s.q.toLowerCase() : undefined;
  // Under three characters pg_trgm has no trigram to look up: only the name order helps.
  if (!q || q.length < 3) return searchQuery(db, s).orderBy('d.name').limit(s.limit).execute();
  let windowEnd = db
    .selectFrom('database')
    .select('name')
    .orderBy('name')
    .offset((s.orderedWindow ?? ORDERED_WINDOW) - 1)
    .limit(1);
  if (s.after) windowEnd = windowEnd.where('name', '>', s.after);
  const bound = (await windowEnd.executeTakeFirst())?.name;
  if (bound === undefined) return searchQuery(db, s).orderBy('d.name').limit(s.limit).execute();
  const first = await searchQuery(db, s)
    .where('d.name', '<=', bound)
    .orderBy('d.name')
    .limit(s.limit)
    .execute();
  if (first.length === s.limit) return first;
  const rest = await searchQuery(db, { ...s, after: bound })
    // An expression, not the column: keeps the planner off the name index, on the trigram bitmap.
    .orderBy(sql`d.name || ''`)
    .limit(s.limit - first.length)
    .execute();
  return [...first, ...rest];
}

function searchQuery(db: Db, s: DatabaseSearch) {
  let query = db
    .selectFrom('database as d')
    .innerJoin('hosting_server as h', 'h.id', 'd.server_id')
    .select([
      'd.name',
      'd.uuid',
      'd.mode',
      'd.status',
      'd.version',
      'd.expire_date',
      'd.duplicate_of',
      'd.subcode',
      'd.extra_apps',
      'd.state',
      'h.name as server',
    ]);
  if (s.q) {
    const q = s.q.toLowerCase();
    const escaped = q.replace(/[\\%_]/g, (c) => '\\' + c);
    query = query.where((eb) =>
      eb.or([
        eb('d.name', 'like', `%${escaped}%`),
        eb(sql<string>`d.uuid::text`, 'like', `${escaped}%`),
        eb('d.subcode', '=', s.q!.toUpperCase()),
      ]),
    );
  }
  if (s.mode) query = query.where('d.mode', '=', s.mode as DatabaseRow['mode']);
  if (s.status) query = query.where('d.status', '=', s.status);
  if (s.server) query = query.where('h.name', '=', s.server);
  if (s.after) query = query.where('d.name', '>', s.after);
  return query;
}

/** Forgets rows entirely (a demo seed that starts over); removed databases keep theirs as history. */
export async function deleteDatabaseRows(db: Db, names: string[]): Promise<void> {
  if (names.length) await db.deleteFrom('database').where('name', 'in', names).execute();
}

export function listDuplicates(db: Db, source: string): Promise<DatabaseRow[]> {
  return db
    .selectFrom('database')
    .selectAll()
    .where('duplicate_of', '=', source)
    .where('state', '=', 'active')
    .orderBy('create_date')
    .execute();
}

/** A database's duplicates that exist or are being made (not the removed ones). */
export function liveDuplicatesOf(db: Db, source: string): Promise<DatabaseRow[]> {
  return db
    .selectFrom('database')
    .selectAll()
    .where('duplicate_of', '=', source)
    .where('state', 'in', ['creating', 'active'])
    .orderBy('create_date')
    .execute();
}

/** Every name ever given, removed rows included: a name is never reused (its history stays). */
export async function databaseNamesLike(db: Db, prefix: string): Promise<string[]> {
  const escaped = prefix.replace(/[\\%_]/g, (c) => '\\' + c);
  const rows = await db.selectFrom('database').select('name').where('name', 'like', `${escaped}%`).execute();
  return rows.map((r) => r.name);
}

export async function deleteDatabaseRow(db: Db, name: string, state: DatabaseRow['state']): Promise<void> {
  await db.deleteFrom('database').where('name', '=', name).where('state', '=', state).execute();
}

/**
 * What the reaper removes: duplicates and drop-mode databases past their expire_date (not
 * locked for maintenance), and removals a crash interrupted.
 */
export function databasesToReap(db: Db, now: Date): Promise<DatabaseRow[]> {
  return db
    .selectFrom('database')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('state', '=', 'removing'),
        eb.and([
          eb('state', '=', 'active'),
          eb('expire_date', '<', now),
          eb.or([eb('mode', '=', 'drop'), eb('duplicate_of', 'is not', null)]),
          eb('status', 'not like', '%maintenance%'),
        ]),
      ]),
    )
    .orderBy('expire_date')
    .limit(100)
    .execute();
}
