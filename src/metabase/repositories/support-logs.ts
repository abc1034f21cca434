import type { Kysely } from 'kysely';
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

export async function insertSupportLog(db: Db, entry: SupportLogEntry): Promise<void> {
  await db
    .insertInto('support_log')
    .values({ ...entry, inputs: JSON.stringify(entry.inputs) })
    .execute();
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
