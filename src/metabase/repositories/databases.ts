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
  /** One hosting server's name or several (any of them). */
  server?: string | string[];
  limit: number;
  /** Keyset pagination: the last name of the previous page. */
  after?: string;
  /** Names read in order before an infix search turns to the trigram index (default 5000; tests use a few). */
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

// How many names, in order, the infix step of a text search reads before it switches to the
// trigram index (see searchDatabases).
const ORDERED_WINDOW = 5000;

/** A uuid prefix worth looking up: hex digits and dashes, three characters at least. */
const UUID_PREFIX = /^[0-9a-f-]{3,36}$/;

/**
 * Databases in name order, a page of `limit` after `after`, filtered by mode, status and
 * servers, and by `q`: a name substring, a uuid prefix or a subscription code (any case). A term of
 * one or two characters matches the start of names only (a substring that short matches nearly
 * every name and no index helps; a prefix is a range of the name's btree).
 *
 * Each way of matching is its own query, on its own index, each in name order with the page's
 * limit; the page is their merge. A name substring is two of them that never overlap: at the start
 * of the name (a range of the name btree, read in order: instant however many names start so) and
 * further in (the trigram index on the name without its first character). For the second, a
 * ORDER BY name LIMIT n has two plans and PostgreSQL cannot tell which one is fast: walking the
 * name index (fast when matches are dense early in the order) or the trigram bitmap (fast when
 * matches are few). So it walks a bounded window of the name order first, and asks the trigram
 * index only for the rest. No total is counted: a page and its cursor are all the console shows.
 */
export async function searchDatabases(db: Db, s: DatabaseSearch): Promise<DatabaseListItem[]> {
  const q = s.q?.toLowerCase();
  if (!q) return searchQuery(db, s).orderBy('d.name').limit(s.limit).execute();
  const like = escapeLike(q);
  const prefix = searchQuery(db, s).where('d.name', 'like', `${like}%`).orderBy('d.name').limit(s.limit).execute();
  if (q.length < 3) return prefix;
  const branches = [prefix, infixMatches(db, s, like)];
  if (UUID_PREFIX.test(q)) {
    branches.push(
      searchQuery(db, s)
        .where(sql<string>`d.uuid::text`, 'like', `${like}%`)
        .orderBy('d.name')
        .limit(s.limit)
        .execute(),
    );
  }
  branches.push(searchQuery(db, s).where('d.subcode', '=', s.q!.toUpperCase()).orderBy('d.name').limit(s.limit).execute());
  const byName = new Map((await Promise.all(branches)).flat().map((row) => [row.name, row]));
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, s.limit);
}

/** `q` taken literally by LIKE: its wildcards and the escape character escaped. */
function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * Names with `q` after their first character, in name order: the matches in a window of the
 * name order, then, when they do not fill the page, the trigram index past the window.
 */
async function infixMatches(db: Db, s: DatabaseSearch, like: string): Promise<DatabaseListItem[]> {
  const infix = (query: ReturnType<typeof searchQuery>) => query.where(sql<string>`substr(d.name, 2)`, 'like', `%${like}%`);
  let windowEnd = db
    .selectFrom('database')
    .select('name')
    .orderBy('name')
    .offset((s.orderedWindow ?? ORDERED_WINDOW) - 1)
    .limit(1);
  if (s.after) windowEnd = windowEnd.where('name', '>', s.after);
  const bound = (await windowEnd.executeTakeFirst())?.name;
  // Fewer names than the window: the walk is the whole search.
  if (bound === undefined) return infix(searchQuery(db, s)).orderBy('d.name').limit(s.limit).execute();
  // The window holds the prefix matches too (the merge drops the twins); LIKE on the whole name
  // has no trigram index, so this is a walk of the name btree, bounded.
  const first = await searchQuery(db, s)
    .where('d.name', 'like', `%${like}%`)
    .where('d.name', '<=', bound)
    .orderBy('d.name')
    .limit(s.limit)
    .execute();
  if (first.length === s.limit) return first;
  const rest = await infix(searchQuery(db, { ...s, after: bound }))
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
  if (s.mode) query = query.where('d.mode', '=', s.mode as DatabaseRow['mode']);
  if (s.status) query = query.where('d.status', '=', s.status);
  const servers = typeof s.server === 'string' ? [s.server] : (s.server ?? []);
  if (servers.length) query = query.where('h.name', 'in', servers);
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
  const rows = await db.selectFrom('database').select('name').where('name', 'like', `${escapeLike(prefix)}%`).execute();
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
