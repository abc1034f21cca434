import { sql, type Kysely, type RawBuilder } from 'kysely';
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
  /** Names read in order before an infix search turns to the trigram index (default: by the planner's estimate; tests use a few). */
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

// The walk of the name order before the trigram index (see walkLength): names per row the trigram
// index is expected to read, and the bounds of the walk (a term the planner thinks absent still
// gets a short walk; the longest walk stays under the cost of the densest term's trigram read).
const WALK_PER_TRIGRAM_ROW = 10;
const MIN_WALK = 1000;
const MAX_WALK = 500_000;

/** A uuid prefix worth looking up: hex digits and dashes, three characters at least. */
const UUID_PREFIX = /^[0-9a-f-]{3,36}$/;

/**
 * Databases in name order, a page of `limit` after `after`, filtered by mode, status and
 * servers, and by `q`: a name substring, a uuid prefix or a subscription code (any case). A term of
 * one or two characters matches the start of names only (a substring that short matches nearly
 * every name and no index helps; a prefix is a range of the name's btree).
 *
 * Each way of matching is its own query, on its own index, each in name order with the page's
 * limit, answering names only; the page is their merge, whose rows one last query reads by name
 * (a page's rows, never the rows a filter rejected). The name order is read from an index that
 * carries the filtered columns (name INCLUDE mode, status, server_id): a walk tests the filters
 * and the LIKE on index tuples without visiting the table.
 *
 * A name substring is two branches that never overlap: at the start of the name (a range of the
 * name btree, read in order: instant however many names start so) and further in (the trigram
 * index on the name without its first character). For the second, a ORDER BY name LIMIT n has two
 * plans and PostgreSQL cannot tell which one is fast: walking the name index (fast when matches
 * are dense early in the order) or the trigram bitmap (fast when matches are few). So it walks the
 * name order first, as far as the planner's count of trigram candidates says the walk stays
 * cheaper, and asks the trigram index only for the rest. No total is counted: a page and its cursor
 * are all the console shows.
 */
export async function searchDatabases(db: Db, s: DatabaseSearch): Promise<DatabaseListItem[]> {
  const q = s.q?.toLowerCase();
  if (!q) return pageRows(db, firstNames(db, s));
  const like = escapeLike(q);
  const prefix = firstNames(db, s).where('name', 'like', `${like}%`);
  if (q.length < 3) return pageRows(db, prefix);
  const branches: Promise<string[]>[] = [namesOf(prefix), infixMatches(db, s, like)];
  if (UUID_PREFIX.test(q)) branches.push(namesOf(firstNames(db, s).where(sql<string>`uuid::text`, 'like', `${like}%`)));
  branches.push(namesOf(firstNames(db, s).where('subcode', '=', s.q!.toUpperCase())));
  const merged = [...new Set((await Promise.all(branches)).flat())].sort().slice(0, s.limit);
  return merged.length ? pageRows(db, merged) : [];
}

/** `q` taken literally by LIKE: its wildcards and the escape character escaped. */
function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * Names with `q` after their first character, in name order: the matches in a walk of the name
 * order, then, when they do not fill the page, the trigram index past the walk.
 */
async function infixMatches(db: Db, s: DatabaseSearch, like: string): Promise<string[]> {
  const pattern = `%${like}%`;
  const window = s.orderedWindow ?? (await walkLength(db, pattern));
  // The walk holds the prefix matches too (the merge drops the twins); LIKE on the whole name has
  // no trigram index. Every name of the walk is read from the index alone.
  const found = await namesOf(
    db
      .selectFrom(
        db
          .selectFrom('database')
          .select(['name', 'mode', 'status', 'server_id'])
          .$if(s.after !== undefined, (query) => query.where('name', '>', s.after!))
          .orderBy('name')
          .limit(window)
          .as('w'),
      )
      .select('name')
      .where('name', 'like', pattern)
      .where(filters(s))
      .orderBy('name')
      .limit(s.limit),
  );
  if (found.length === s.limit) return found;
  // The walk read its whole window without filling the page: no match lies between its last match
  // and the window's end, so the trigram index takes over after that match (or the cursor).
  const from = found.at(-1) ?? s.after;
  const rest = await namesOf(
    db
      .selectFrom('database')
      .select('name')
      .where(sql<string>`substr(name, 2)`, 'like', pattern)
      .$if(from !== undefined, (query) => query.where('name', '>', from!))
      .where(filters(s))
      // An expression, not the column: keeps the planner off the name index, on the trigram bitmap.
      .orderBy(sql`name || ''`)
      .limit(s.limit - found.length),
  );
  return [...found, ...rest];
}

/**
 * How many names to walk in order before the trigram index is cheaper: the trigram index reads
 * every candidate's table row to recheck it and sort it (~4 µs each, measured at a million rows on
 * a loaded machine), the walk reads index tuples (~0.4 µs), so it pays to walk ~10 names per row
 * the planner expects the trigram index to read. A common word (20,000 rows) walks up to 200,000
 * names, a term the planner thinks rare a thousand.
 */
async function walkLength(db: Db, pattern: string): Promise<number> {
  const { rows } = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>`
    EXPLAIN (FORMAT JSON) SELECT 1 FROM database WHERE substr(name, 2) LIKE ${pattern}`.execute(db);
  const expected = rows[0]['QUERY PLAN'][0].Plan['Plan Rows'];
  return Math.min(Math.max(Math.round(expected * WALK_PER_TRIGRAM_ROW), MIN_WALK), MAX_WALK);
}

/**
 * The search's filters, on columns the name index carries (the server by id, so a walk stays on
 * one table; the servers' ids are an init plan, read once).
 */
function filters(s: DatabaseSearch): RawBuilder<boolean> {
  const servers = typeof s.server === 'string' ? [s.server] : (s.server ?? []);
  const conditions = [sql`true`];
  if (s.mode) conditions.push(sql`mode = ${s.mode}`);
  if (s.status) conditions.push(sql`status = ${s.status}`);
  if (servers.length)
    conditions.push(sql`server_id = ANY (ARRAY(SELECT id FROM hosting_server WHERE name = ANY (${servers}::text[])))`);
  return sql<boolean>`${sql.join(conditions, sql` AND `)}`;
}

/** The first `limit` names after the cursor that pass the filters, in name order. */
function firstNames(db: Db, s: DatabaseSearch) {
  return db
    .selectFrom('database')
    .select('name')
    .where(filters(s))
    .$if(s.after !== undefined, (query) => query.where('name', '>', s.after!))
    .orderBy('name')
    .limit(s.limit);
}

async function namesOf(query: { execute(): Promise<{ name: string }[]> }): Promise<string[]> {
  return (await query.execute()).map((row) => row.name);
}

/** The columns a search answers (the server by its name), in name order. */
function listed(db: Db) {
  return db
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
    ])
    .orderBy('d.name');
}

/** The page's rows, read by name: names listed, or the query naming them (then one statement). */
function pageRows(db: Db, names: string[] | ReturnType<typeof firstNames>): Promise<DatabaseListItem[]> {
  return listed(db).where('d.name', 'in', names).execute();
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
