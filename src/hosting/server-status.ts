import { lstat, statfs } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { walkFiles } from './backup-files.js';

/** What a hosting cluster says about itself when it answers. */
export interface ClusterFigures {
  /** `server_version`, e.g. "16.4". */
  pgVersion: string;
  /** Client connections open now (pg_stat_activity, the server's own processes left out). */
  connections: number;
  /** Every database of the cluster (tenants, templates, maintenance), as PostgreSQL counts them. */
  databasesBytes: number;
}

/**
 * Asks a hosting cluster for its version, connections and database sizes, within `timeoutMs` for
 * the connection and for each query. Undefined when it does not answer in time or refuses: a
 * server that cannot be read is unhealthy, never an error of the caller.
 */
export async function readClusterFigures(config: pg.ClientConfig, timeoutMs: number): Promise<ClusterFigures | undefined> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'dbtools-servers' });
  // A server going away after connect must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; connections: string; bytes: string }>(
      `SELECT current_setting('server_version') AS version,
              (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::text AS connections,
              (SELECT coalesce(sum(pg_database_size(oid)), 0) FROM pg_database)::text AS bytes`,
    );
    const r = rows[0];
    // "16.4 (Debian 16.4-1.pgdg120+1)": the number is what an agent compares.
    return { pgVersion: r.version.split(' ')[0], connections: Number(r.connections), databasesBytes: Number(r.bytes) };
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Bytes a folder takes on disk: allocated blocks, each file once however many hard links it has
 * (a duplicate's filestore links its source's files; counting them twice would invent usage).
 * An absent folder takes none.
 */
export async function diskUsedUnder(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  for await (const rel of walkFiles(dir)) {
    const st = await lstat(path.join(dir, rel), { bigint: true }).catch(() => undefined);
    if (!st) continue; // removed while we walked
    const key = `${st.dev}:${st.ino}`;
    if (st.nlink > 1n) {
      if (seen.has(key)) continue;
      seen.add(key);
    }
    total += Number(st.blocks) * 512;
  }
  return total;
}

/** Bytes an unprivileged writer may still use on the file system that holds `dir`; undefined when it cannot be read. */
export async function diskFreeAt(dir: string): Promise<number | undefined> {
  const disk = await statfs(dir).catch(() => undefined);
  return disk ? disk.bavail * disk.bsize : undefined;
}
