import { sql, type Kysely, type RawBuilder } from 'kysely';
import { prepared } from '../prepared.js';
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

/** A uuid prefix worth looking up: hex digits and dashes, three characters at least. */
const UUID_PREFIX = /^[0-9a-f-]{3,36}$/;
/** What a name may hold (DATABASE_NAME_PATTERN's characters): a term with anything else is in no name. */
const NAME_CHARACTERS = /^[a-z0-9_.-]+$/;

/**
 * Databases in name order, a page of `limit` after `after`, filtered by mode, status and
 * servers, and by `q`: a name substring, a uuid prefix or a subscription code (any case). A term of
 * one or two characters matches the start of names only (a substring that short matches nearly
 * every name and no index helps; a prefix is a range of the name's btree).
 *
 * One statement per kind of search, prepared on the shared read connections (a fixed text; the
 * filters are parameters, null for "any"). Each way of matching is one index range read in name
 * order that tests the filters on index tuples and stops at the page's end: no term, or a short
 * one, the name order (name INCLUDE mode, status, server_id); a longer term, the names holding its
 * rarest 3-character piece (the side table of migration 032, same columns), its uuid prefix (the
 * uuid index carrying them) and its subscription code. The page's ≤ 50 rows are then read by
 * name in the same statement. No total is counted: a page and its cursor are all the console shows.
 */
export async function searchDatabases(db: Db, s: DatabaseSearch): Promise<DatabaseListItem[]> {
  const statement = await searchStatement(db, s);
  return statement ? (await statement.execute(db)).rows : [];
}

/** The one statement a search sends (undefined: none needed, no name can match), for EXPLAIN too. */
export async function searchStatement(
  db: Db,
  s: DatabaseSearch,
): Promise<RawBuilder<DatabaseListItem> | undefined> {
  const q = s.q?.toLowerCase();
  const onName = q !== undefined && NAME_CHARACTERS.test(q);
  let names: RawBuilder<{ name: string }>;
  if (!q) names = sql`SELECT name FROM database WHERE ${filters(s)} ORDER BY name LIMIT ${s.limit}`;
  else if (q.length < 3) {
    // A term no name can start with needs no statement (and no subscription code is that short).
    if (!onName) return undefined;
    // A range of the name order (the metabase is created with the C collation: bytes order names).
    names = sql`SELECT name FROM database
      WHERE name >= ${q} AND name < ${upperBound(q)} AND ${filters(s)} ORDER BY name LIMIT ${s.limit}`;
  } else {
    const branches: RawBuilder<unknown>[] = [];
    if (onName) {
      // Every name holding q holds each of its pieces: the names holding the rarest one, in name
      // order, tested for q itself on the index tuples.
      const piece = await rarestPiece(db, q);
      branches.push(sql`SELECT name FROM database_name_piece
        WHERE piece = ${piece} AND strpos(name, ${q}) > 0 AND ${filters(s)} ORDER BY name LIMIT ${s.limit}`);
    }
    if (UUID_PREFIX.test(q))
      branches.push(sql`SELECT name FROM database
        WHERE uuid::text ~>=~ ${q} AND uuid::text ~<~ ${upperBound(q)} AND ${filters(s)}
        ORDER BY name LIMIT ${s.limit}`);
    branches.push(sql`SELECT name FROM database
      WHERE subcode = ${s.q!.toUpperCase()} AND ${filters(s)} ORDER BY name LIMIT ${s.limit}`);
    names =
      branches.length === 1
        ? (branches[0] as RawBuilder<{ name: string }>)
        : sql`SELECT name FROM (${sql.join(
            branches.map((b) => sql`(${b})`),
            sql` UNION `,
          )}) AS m ORDER BY name LIMIT ${s.limit}`;
  }
  return sql<DatabaseListItem>`${prepared}SELECT d.name, d.uuid, d.mode, d.status, d.version,
      d.expire_date, d.duplicate_of, d.subcode, d.extra_apps, d.state, h.name AS server
    FROM (${names}) AS page
    JOIN database AS d ON d.name = page.name
    JOIN hosting_server AS h ON h.id = d.server_id
    ORDER BY d.name`;
}

/** The first string after every string starting with `prefix` (bytewise: the C collation's order). */
function upperBound(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** `q` taken literally by LIKE: its wildcards and the escape character escaped. */
function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** How often the commonest pieces occur (the planner's statistics), read at most every 10 minutes. */
const pieceStatistics = new WeakMap<Db, { at: number; frequencies: Promise<Map<string, number>> }>();
const PIECE_STATISTICS_MS = 10 * 60_000;

/**
 * The piece of `q` fewest names hold: the shortest range to walk. Pieces outside the statistics'
 * most common values are rarer than all of them.
 */
async function rarestPiece(db: Db, q: string): Promise<string> {
  let cached = pieceStatistics.get(db);
  if (!cached || Date.now() - cached.at > PIECE_STATISTICS_MS) {
    cached = { at: Date.now(), frequencies: commonPieces(db) };
    pieceStatistics.set(db, cached);
  }
  const frequencies = await cached.frequencies.catch(() => new Map<string, number>());
  let best = q.slice(0, 3);
  let bestFrequency = Infinity;
  for (let i = 0; i + 3 <= q.length; i++) {
    const piece = q.slice(i, i + 3);
    const frequency = frequencies.get(piece) ?? 0;
    if (frequency < bestFrequency) [best, bestFrequency] = [piece, frequency];
  }
  return best;
}

async function commonPieces(db: Db): Promise<Map<string, number>> {
  const { rows } = await sql<{ pieces: string[] | null; frequencies: number[] | null }>`
    SELECT most_common_vals::text::text[] AS pieces, most_common_freqs AS frequencies FROM pg_stats
    WHERE schemaname = current_schema() AND tablename = 'database_name_piece' AND attname = 'piece'`.execute(
    db,
  );
  const { pieces, frequencies } = rows[0] ?? { pieces: null, frequencies: null };
  return new Map((pieces ?? []).map((p, i) => [p, frequencies![i]]));
}

/**
 * The search's filters and cursor, as parameters (null or empty for "any": one statement text per
 * kind), on columns the name order's index and the piece table carry (the server by id; the
 * servers' ids are an init plan, read once).
 */
function filters(s: DatabaseSearch): RawBuilder<boolean> {
  const servers = typeof s.server === 'string' ? [s.server] : (s.server ?? []);
  return sql<boolean>`name > ${s.after ?? ''}
    AND (${s.mode ?? null}::text IS NULL OR mode = ${s.mode ?? null})
    AND (${s.status ?? null}::text IS NULL OR status = ${s.status ?? null})
    AND (cardinality(${servers}::text[]) = 0
         OR server_id = ANY (ARRAY(SELECT id FROM hosting_server WHERE name = ANY (${servers}::text[]))))`;
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
