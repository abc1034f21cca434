import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { runChild, startChild } from '../hosting/child-process.js';
import { createDatabase, databaseExists, dropDatabase, renameDatabase } from '../hosting/cluster-databases.js';
import type { EmbeddedCluster } from '../hosting/cluster.js';

const MOVING_SUFFIX = '_moving';

function superuserConfig(cluster: EmbeddedCluster, database: string): pg.ClientConfig {
  return { host: cluster.socketDir, port: cluster.port, user: cluster.superuser, database };
}

async function onMaintenance<T>(cluster: EmbeddedCluster, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(superuserConfig(cluster, 'postgres'));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** pg_dump of `name` on `from` piped into pg_restore of `into` on `to`, both as the clusters' superusers. */
async function copyDatabase(from: EmbeddedCluster, name: string, to: EmbeddedCluster, into: string): Promise<void> {
  const env = (c: EmbeddedCluster) => ({ PGHOST: c.socketDir, PGPORT: String(c.port), PGUSER: c.superuser });
  const dump = startChild(path.join(from.pgBin, 'pg_dump'), ['--format=custom', '--dbname', name], { env: env(from) });
  const restore = runChild(path.join(to.pgBin, 'pg_restore'), ['--exit-on-error', '--dbname', into], {
    env: env(to),
    stdin: dump.stdout,
  }).catch((e: unknown) => {
    dump.kill();
    throw e;
  });
  // The first failure is the one that says why (a dump that stopped ends the restore's input too).
  await Promise.all([dump.done, restore]);
}

/**
 * Data folders made before the metabase had a cluster of its own keep it on the first hosting
 * server's cluster, beside the tenants. It moves once: copied under a temporary name, renamed
 * (atomic), then dropped from the hosting cluster. A start that dies half-way finds the copy
 * unfinished (started over) or done (only the old one left to drop).
 */
export async function relocateMetabase(from: EmbeddedCluster, to: EmbeddedCluster, name: string, log: Logger): Promise<void> {
  const old = await onMaintenance(from, (c) => databaseExists(c, name));
  if (!old) return;
  const moved = await onMaintenance(to, (c) => databaseExists(c, name));
  if (!moved) {
    const moving = `${name}${MOVING_SUFFIX}`;
    log.warn({ from: from.dataDir, to: to.dataDir }, 'moving the metabase to a cluster of its own (once)');
    await onMaintenance(to, async (c) => {
      await dropDatabase(c, moving);
      await createDatabase(c, moving);
    });
    await copyDatabase(from, name, to, moving);
    await onMaintenance(to, (c) => renameDatabase(c, moving, name));
  }
  await onMaintenance(from, (c) => dropDatabase(c, name));
}
