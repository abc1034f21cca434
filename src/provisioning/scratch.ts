import type { App } from '../app.js';
import { Conflict } from '../errors.js';
import { isReservedName, RESERVED_NAME_PREFIX } from '../hosting/database-name.js';
import { dropDatabase } from '../hosting/cluster-databases.js';
import { databaseNamesLike, findDatabase } from '../metabase/repositories/databases.js';
import type { MetabaseDb } from '../metabase/connect.js';

/**
 * What a scratch name is for: a database restored beside its final name, one being replaced, a
 * loader role; a move's copy being built on the target (`move`, also its dump folder) and the
 * source it keeps as a rollback (`moved`); the upgrade platform's database and role (`upgrade`,
 * `upgrader`); an upgraded copy being restored (`upgraded`).
 */
export type ScratchPurpose = 'import' | 'restore' | 'replaced' | 'loader' | 'move' | 'moved' | 'upgrade' | 'upgrader' | 'upgraded';

/**
 * The one way to name something the platform creates for a while and drops after: inside the
 * reserved namespace, tied to the job that owns it (a resumed attempt finds the same name).
 */
export function scratchName(purpose: ScratchPurpose, jobId: number): string {
  return `${RESERVED_NAME_PREFIX}${purpose}_${jobId}`;
}

/**
 * Drops a scratch database, and only that: a name outside the reserved namespace is refused,
 * and one a metabase row claims (a tenant created before the namespace was reserved) is left
 * alone. Answers whether the name is free now.
 */
export async function dropScratchDatabase(app: App, serverId: number, name: string): Promise<boolean> {
  if (!isReservedName(name)) throw new Error(`${name} is not a scratch name; refusing to drop it`);
  if (await findDatabase(app.metabase, name)) {
    app.log.warn({ database: name }, 'a registered database holds a scratch name; left alone');
    return false;
  }
  await app.tenants.withCluster(serverId, (admin) => dropDatabase(admin, name));
  return true;
}

/** Makes room for a scratch database, refusing when a registered tenant holds its name. */
export async function clearScratchDatabase(app: App, serverId: number, name: string): Promise<void> {
  if (!(await dropScratchDatabase(app, serverId, name))) {
    throw new Conflict(`The scratch name ${name} is held by a registered database; rename that database first.`);
  }
}

/** Tenants whose names sit in the reserved namespace (created before it was reserved): reported, never dropped. */
export function tenantsInReservedNamespace(db: MetabaseDb): Promise<string[]> {
  return databaseNamesLike(db, RESERVED_NAME_PREFIX);
}
