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
  /** Names read in order before an infix search turns to an index (tests use a few). */
  orderedWindow?: number;
  /** The index an infix search turns to after its walk (default: by the planner's estimate; tests choose). */
  infixIndex?: 'trigram' | 'grams';
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

/**
 * Names read in name order before an infix search turns to an index: a term in one name of 60
 * fills a page of 50 within it, at ~0.2 µs a name (index tuples, no table row).
 */
const WALK = 3000;
/** Candidates (planner's estimate) the trigram index reads and sorts at once; above, the first-character groups. */
const TRIGRAM_MAX_CANDIDATES = 2000;

/** A uuid prefix worth looking up: hex digits and dashes, three characters at least. */
const UUID_PREFIX = /^[0-9a-f-]{3,36}$/;

/**
 * Databases in name order, a page of `limit` after `after`, filtered by mode, status and
 * servers, and by `q`: a name substring, a uuid prefix or a subscription code (any case). A term of
 * one or two characters matches the start of names only (a substring that short matches nearly
 * every name and no index helps; a prefix is a range of the name's btree).
 *
 * Each way of matching is its own query, on its own index, each in name order with the page's
 * limit, answering names only, all sent at once; the page is their merge, whose rows one last
 * query reads by name (a page's rows, never the rows a filter rejected). The name order is read
 * from an index that carries the filtered columns (name INCLUDE mode, status, server_id): a walk
 * tests the filters and the LIKE on index tuples without visiting the table.
 *
 * A name substring is two branches that never overlap: at the start of the name (a range of the
 * name btree, read in order) and further in. For the second, a short walk of the name order finds
 * the page of a term common in names (one in 60). A term rarer there goes to an index: the
 * trigram index on the name without its first character when the planner expects few candidates
 * (read and sorted at once), else the index of name pieces keyed by the name's first character,
 * read one group of first characters after another in name order until the page is full (a term
 * common on the platform but rare past the cursor or under a filter). No total is counted: a
 * page and its cursor are all the console shows.
 */
export async function searchDatabases(db: Db, s: DatabaseSearch): Promise<DatabaseListItem[]> {
  const q = s.q?.toLowerCase();
  if (!q) return pageRows(db, firstNames(db, s));
  const like = escapeLike(q);
  const prefix = firstNames(db, s).where('name', 'like', `${like}%`);
  if (q.length < 3) return pageRows(db, prefix);
  const branches: Promise<string[]>[] = [namesOf(prefix), infixMatches(db, s, q)];
  if (UUID_PREFIX.test(q))
    branches.push(namesOf(firstNames(db, s).where(sql<string>`uuid::text`, 'like', `${like}%`)));
  branches.push(namesOf(firstNames(db, s).where('subcode', '=', s.q!.toUpperCase())));
  const merged = [...new Set((await Promise.all(branches)).flat())].sort().slice(0, s.limit);
  return merged.length ? pageRows(db, merged) : [];
}

/** `q` taken literally by LIKE: its wildcards and the escape character escaped. */
function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * Names holding `q` after their first character, in name order: the matches in a walk of the name
 * order, then, when they do not fill the page, an index past the walk's last match.
 */
async function infixMatches(db: Db, s: DatabaseSearch, q: string): Promise<string[]> {
  // At least one character before the term: the start of names is the prefix branch's.
  const pattern = `_%${escapeLike(q)}%`;
  // The walk holds the prefix matches too (the merge drops the twins). Every name of the walk is
  // read from the index alone.
  const found = await namesOf(
    db
      .selectFrom(
        db
          .selectFrom('database')
          .select(['name', 'mode', 'status', 'server_id'])
          .$if(s.after !== undefined, (query) => query.where('name', '>', s.after!))
          .orderBy('name')
          .limit(s.orderedWindow ?? WALK)
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
  // and the window's end, so an index takes over after that match (or the cursor).
  const rest = { ...s, after: found.at(-1) ?? s.after, limit: s.limit - found.length };
  const useGrams = s.infixIndex
    ? s.infixIndex === 'grams'
    : (await trigramCandidates(db, q)) > TRIGRAM_MAX_CANDIDATES;
  return [...found, ...(await (useGrams ? gramMatches(db, rest, q, pattern) : trigramMatches(db, rest, q)))];
}

/** The planner's count of the trigram index's candidates for `q` after the first character. */
async function trigramCandidates(db: Db, q: string): Promise<number> {
  const { rows } = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>`
    EXPLAIN (FORMAT JSON) SELECT 1 FROM database WHERE substr(name, 2) LIKE ${`%${escapeLike(q)}%`}`.execute(
    db,
  );
  return rows[0]['QUERY PLAN'][0].Plan['Plan Rows'];
}

/** Every candidate of the trigram index, rechecked and sorted: the way for a term few names hold. */
function trigramMatches(db: Db, s: DatabaseSearch, q: string): Promise<string[]> {
  return namesOf(
    db
      .selectFrom('database')
      .select('name')
      .where(sql<string>`substr(name, 2)`, 'like', `%${escapeLike(q)}%`)
      .$if(s.after !== undefined, (query) => query.where('name', '>', s.after!))
      .where(filters(s))
      // An expression, not the column: keeps the planner off the name index, on the trigram bitmap.
      .orderBy(sql`name || ''`)
      .limit(s.limit),
  );
}

/**
 * The index of name pieces (migration 016), one first character at a time from the cursor's (the
 * ten digits, rare first characters, as one group): a group's candidates are read and sorted, and
 * a full page ends the search before the later groups are read.
 */
async function gramMatches(db: Db, s: DatabaseSearch, q: string, pattern: string): Promise<string[]> {
  const pieces = [...new Set(Array.from({ length: q.length - 2 }, (_, i) => q.slice(i, i + 3)))];
  const groups = ['0123456789', ...'abcdefghijklmnopqrstuvwxyz'];
  const first = s.after?.[0] ?? '';
  const found: string[] = [];
  // Groups wholly before the cursor hold no name after it.
  for (const group of groups.filter((g) => g.at(-1)! >= first)) {
    const keyed = [...group].map(
      (c) => sql<boolean>`database_name_grams(name) @> ${pieces.map((p) => c + p)}::text[]`,
    );
    found.push(
      ...(await namesOf(
        db
          .selectFrom('database')
          .select('name')
          .where(sql<boolean>`(${sql.join(keyed, sql` OR `)})`)
          // LIKE on the column itself: no trigram index matches it, so no lossy bitmap brings the
          // recheck (and a call of database_name_grams per row) back.
          .where('name', 'like', pattern)
          .$if(s.after !== undefined, (query) => query.where('name', '>', s.after!))
          .where(filters(s))
          .orderBy(sql`name || ''`)
          .limit(s.limit - found.length),
      )),
    );
    if (found.length === s.limit) break;
  }
  return found;
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
    conditions.push(
      sql`server_id = ANY (ARRAY(SELECT id FROM hosting_server WHERE name = ANY (${servers}::text[])))`,
    );
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
  const rows = await db
    .selectFrom('database')
    .select('name')
    .where('name', 'like', `${escapeLike(prefix)}%`)
    .execute();
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

/** The names of the active databases of a server (those a job is making or removing are the job's). */
export async function activeDatabaseNamesOnServer(db: Db, serverId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('database')
    .select('name')
    .where('server_id', '=', serverId)
    .where('state', '=', 'active')
    .execute();
  return rows.map((r) => r.name);
}
