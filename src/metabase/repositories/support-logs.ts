import { sql, type Kysely } from 'kysely';
import { GENESIS_HASH, supportLogHash } from '../../audit/chain.js';
import { auditKeyOf } from '../../audit/key.js';
import type { Metabase, SupportLogRow } from '../schema.js';

type Db = Kysely<Metabase>;

export interface SupportLogEntry {
  agent_id: number | null;
  agent_login: string;
  agent_level: number;
  operation: string;
  database_name: string;
  inputs: Record<string, unknown>;
  outcome: 'success' | 'failure';
  message: string | null;
  request_id: string | null;
}

/**
 * The one writer of support-log entries. Each entry joins the history's hash chain: the
 * chain's head is read and the entry inserted under a transaction-level advisory lock, so two
 * transactions writing at once queue there instead of both linking to the same head (a
 * fork); the lock is released by the commit that makes the new head visible. Called last in
 * its transaction, the lock is held for the commit only. Given the pool rather than a
 * transaction, it writes the entry in a transaction of its own. The hash is keyed with the
 * handle's audit key (see audit/key.ts): startPlatform has written the key's cut-over entry
 * before any writer runs, so every entry it writes is after it.
 */
export async function insertSupportLog(db: Db, entry: SupportLogEntry): Promise<void> {
  if (!db.isTransaction) {
    await db.transaction().execute((tx) => insertSupportLog(tx, entry));
    return;
  }
  const key = auditKeyOf(db);
  await lockSupportLogChain(db);
  // A statement after the lock: under READ COMMITTED (every caller's level) its snapshot sees
  // the head the previous holder committed.
  const { rows } = await sql<{ id: number; head: string | null }>`
    SELECT nextval(pg_get_serial_sequence('support_log', 'id')) AS id,
           (SELECT hash FROM support_log ORDER BY id DESC LIMIT 1) AS head`.execute(db);
  // Stored as the JSON the hash covers: what comes back from jsonb is what was hashed.
  const inputs = JSON.parse(JSON.stringify(entry.inputs)) as Record<string, unknown>;
  // Milliseconds: the precision a Date carries back to `audit verify`.
  const row = { ...entry, id: rows[0].id, at: new Date(), inputs, prev_hash: rows[0].head ?? GENESIS_HASH };
  await db
    .insertInto('support_log')
    .values({ ...row, inputs: JSON.stringify(inputs), hash: supportLogHash(row, key) })
    .execute();
}

/** Held until the transaction ends: the chain's writers (and its cut-over) take turns here. */
export async function lockSupportLogChain(tx: Db): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('dbtools:support-log-chain'))`.execute(tx);
}

/**
 * The first entry a system operation wrote (the audit key's cut-over), found through the
 * (database_name, id) index: such entries name no database.
 */
export function firstSystemSupportLog(db: Db, operation: string): Promise<SupportLogRow | undefined> {
  return db
    .selectFrom('support_log')
    .selectAll()
    .where('database_name', '=', '')
    .where('operation', '=', operation)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

export function findSupportLog(db: Db, id: number): Promise<SupportLogRow | undefined> {
  return db.selectFrom('support_log').selectAll().where('id', '=', id).executeTakeFirst();
}

const EXPORT_PAGE_SIZE = 1000;

export interface SupportLogFilter {
  database?: string;
  from?: Date;
  /** Exclusive. */
  before?: Date;
  /** Only entries with a larger id. */
  afterId?: number;
}

/**
 * Every entry matching the filter, oldest first, read in keyset pages of 1,000: memory stays
 * flat whatever the history's size. The export and `audit verify` read through it.
 */
export async function* eachSupportLog(db: Db, filter: SupportLogFilter = {}): AsyncGenerator<SupportLogRow> {
  let after = filter.afterId ?? 0;
  for (;;) {
    let query = db.selectFrom('support_log').selectAll().where('id', '>', after);
    if (filter.database !== undefined) query = query.where('database_name', '=', filter.database);
    if (filter.from) query = query.where('at', '>=', filter.from);
    if (filter.before) query = query.where('at', '<', filter.before);
    const page = await query.orderBy('id').limit(EXPORT_PAGE_SIZE).execute();
    yield* page;
    if (page.length < EXPORT_PAGE_SIZE) return;
    after = page[page.length - 1].id;
  }
}

export const SUPPORT_LOG_PAGE_SIZE = 25;

export async function pageSupportLogs(
  db: Db,
  database: string,
  page: number,
): Promise<{ entries: SupportLogRow[]; page: number; pages: number }> {
  const total = await db
    .selectFrom('support_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('database_name', '=', database)
    .executeTakeFirstOrThrow();
  const pages = Math.max(1, Math.ceil(total.n / SUPPORT_LOG_PAGE_SIZE));
  const entries = await db
    .selectFrom('support_log')
    .selectAll()
    .where('database_name', '=', database)
    .orderBy('id', 'desc')
    .limit(SUPPORT_LOG_PAGE_SIZE)
    .offset((page - 1) * SUPPORT_LOG_PAGE_SIZE)
    .execute();
  return { entries, page, pages };
}
