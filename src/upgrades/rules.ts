import type { App } from '../app.js';
import { treeSize } from '../hosting/backup-files.js';
import type { MetabaseDb } from '../metabase/connect.js';
import { hasSucceededTestUpgrade } from '../metabase/repositories/upgrade-requests.js';
import type { DatabaseRow } from '../metabase/schema.js';
import { databaseFilestore } from '../tenant/filestore.js';
import { upgradeTargets } from './catalog.js';

/** Level from which a Production upgrade of a database whose filestore is too big is allowed. */
export const BIG_FILESTORE_PRODUCTION_LEVEL = 4;

/** The upgrade targets of a database: catalog versions higher than its own. */
export function targetsOf(app: App, database: Pick<DatabaseRow, 'version'>): string[] {
  return upgradeTargets(app.config.upgrades.catalog, database.version);
}

/** Above the configured size, a production upgrade is not left unsupervised. */
export async function filestoreTooBig(app: App, database: DatabaseRow): Promise<boolean> {
  const server = await app.tenants.server(database.server_id);
  return (await treeSize(databaseFilestore(server.filestore_root, database.name))) > app.config.upgrades.filestoreWarningBytes;
}

/**
 * Why a Production upgrade to `target` is refused, or null: it needs one test upgrade
 * (Internal or Copy) of the database to that target that ended Done, and a level of 4 when
 * the filestore is too big for an unsupervised upgrade.
 */
export async function productionRefusal(
  app: App,
  db: MetabaseDb,
  database: DatabaseRow,
  target: string,
  level: number,
): Promise<string | null> {
  if (!(await hasSucceededTestUpgrade(db, database.name, target))) {
    return `A production upgrade to ${target} needs one successful test upgrade (Internal or Copy) of this database to ${target} first.`;
  }
  if (level < BIG_FILESTORE_PRODUCTION_LEVEL && (await filestoreTooBig(app, database))) {
    return 'The filestore is too big for an unsupervised production upgrade: it needs SaaS Office (level 4).';
  }
  return null;
}
