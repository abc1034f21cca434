import type { App } from '../app.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { liveDuplicatesOf } from '../metabase/repositories/databases.js';
import type { DatabaseRow, NewDatabase } from '../metabase/schema.js';
import { addDays } from '../dates.js';

/**
 * The rules of a new database made from another one's data, in one place: a test copy
 * (duplicate, backup restored into a new database) and an import.
 */

/** A test copy lives this long unless an agent extends it. */
export const COPY_LIFETIME_MS = 4 * 3_600_000;

/** An imported database starts as a trial of this many days. */
export const IMPORTED_TRIAL_DAYS = 14;

/**
 * The daily e-mail limit of a test copy: 20, never the source's. A copy is neutralized (its
 * mail servers are off, a dummy one catches mail), so the source's quota would only let a
 * copy that someone re-enables send a production volume to real customers; 20 is enough to
 * test a template.
 */
export const COPY_EMAIL_DAILY_LIMIT = 20;

/** What a new trial database (an import) may send a day, as a new trial does. */
export const IMPORTED_EMAIL_DAILY_LIMIT = 200;

export function copyExpireDate(now: Date): Date {
  return new Date(now.getTime() + COPY_LIFETIME_MS);
}

/** A duplicate counts 1 against its source's duplicate_limit; one in drop mode counts less (config). */
export function duplicateWeight(app: App, duplicate: Pick<DatabaseRow, 'mode'>): number {
  return duplicate.mode === 'drop' ? app.config.duplicateDropWeight : 1;
}

/** The live duplicates of `source` and the weight they use, for every path that makes a copy. */
export async function duplicatesWeight(
  app: App,
  db: MetabaseDb,
  source: string,
): Promise<{ duplicates: DatabaseRow[]; weightUsed: number }> {
  const duplicates = await liveDuplicatesOf(db, source);
  const weightUsed = duplicates.reduce((sum, d) => sum + duplicateWeight(app, d), 0);
  return { duplicates, weightUsed: Math.round(weightUsed * 100) / 100 };
}

/** The metabase row reserved for a test copy of `source` (state `creating` until published). */
export function testCopyRow(
  source: DatabaseRow,
  copy: { name: string; uuid: string; now: Date; version?: string },
): NewDatabase {
  return {
    name: copy.name,
    uuid: copy.uuid,
    mode: 'trial',
    extra_apps: source.extra_apps,
    status: 'open',
    expire_date: copyExpireDate(copy.now),
    version: copy.version ?? source.version,
    subcode: null,
    server_id: source.server_id,
    create_date: copy.now,
    duplicate_of: source.name,
    secure: source.secure,
    email_daily_count: 0,
    email_daily_limit: COPY_EMAIL_DAILY_LIMIT,
    ext_email_daily_count: 0,
    email_total_count: 0,
    duplicate_limit: 0,
    state: 'creating',
  };
}

/** The metabase row reserved for an imported database: a new trial of its own. */
export function importedRow(imp: {
  name: string;
  uuid: string;
  now: Date;
  version: string;
  serverId: number;
}): NewDatabase {
  return {
    name: imp.name,
    uuid: imp.uuid,
    mode: 'trial',
    extra_apps: true,
    status: 'open',
    expire_date: addDays(imp.now, IMPORTED_TRIAL_DAYS),
    version: imp.version,
    subcode: null,
    server_id: imp.serverId,
    create_date: imp.now,
    duplicate_of: null,
    secure: false,
    email_daily_count: 0,
    email_daily_limit: IMPORTED_EMAIL_DAILY_LIMIT,
    ext_email_daily_count: 0,
    email_total_count: 0,
    duplicate_limit: 3,
    state: 'creating',
  };
}
