import type { Kysely, Updateable } from 'kysely';
import type { DomainRow, DomainTable, Metabase } from '../schema.js';

type Db = Kysely<Metabase>;

export function findDomain(db: Db, domain: string): Promise<DomainRow | undefined> {
  return db.selectFrom('domain').selectAll().where('domain', '=', domain).executeTakeFirst();
}

/** A database's domains, oldest first (the order the agent added them). */
export function domainsOf(db: Db, database: string): Promise<DomainRow[]> {
  return db.selectFrom('domain').selectAll().where('database_name', '=', database).orderBy('id').execute();
}

export function insertDomain(
  db: Db,
  row: { domain: string; database_name: string; next_attempt_at: Date },
): Promise<DomainRow> {
  return db.insertInto('domain').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateDomain(
  db: Db,
  domain: string,
  changes: Updateable<DomainTable>,
): Promise<DomainRow | undefined> {
  return db.updateTable('domain').set(changes).where('domain', '=', domain).returningAll().executeTakeFirst();
}

export async function deleteDomain(db: Db, domain: string): Promise<void> {
  await db.deleteFrom('domain').where('domain', '=', domain).execute();
}

/** Domains whose next certificate attempt (first issuance, retry after DNS, renewal) is due. */
export function domainsDue(db: Db, now: Date): Promise<DomainRow[]> {
  return db
    .selectFrom('domain')
    .selectAll()
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(100)
    .execute();
}

/** A served certificate past its end is expired, whatever the renewal is doing. */
export async function markExpiredCertificates(db: Db, now: Date): Promise<string[]> {
  const rows = await db
    .updateTable('domain')
    .set({ cert_status: 'expired', reason: 'The certificate expired before it could be renewed.' })
    .where('cert_status', 'in', ['active', 'renewing', 'failed'])
    .where('expires_at', '<=', now)
    .returning('domain')
    .execute();
  return rows.map((r) => r.domain);
}
