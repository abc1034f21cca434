import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { createLogger } from '../observability/logger.js';
import { startCluster, type EmbeddedCluster } from '../hosting/cluster.js';
import { ensureDatabase } from '../platform.js';
import type { LoadCluster } from '../provisioning/customer-sql.js';
import { createUpgradeServer } from './http.js';
import type { UpgradePlatformOptions } from './options.js';
import { UpgradeService } from './service.js';
import { createSchema } from './store.js';
import { startUpgradeWorker } from './worker.js';

export const PLATFORM_DATABASE = 'upgrade_platform';

export interface RunningUpgradePlatform {
  url: string;
  /** Archives what is due now (tests; a timer does it anyway). */
  archiveNow(): Promise<number>;
  close(): Promise<void>;
}

interface ClusterLogin {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

function loginFromUrl(url: string): ClusterLogin {
  const u = new URL(url);
  return {
    // postgres://user@%2Fvar%2Frun%2Fpostgresql:5432/db reaches a socket folder.
    host: decodeURIComponent(u.hostname) || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password) || undefined,
    database: decodeURIComponent(u.pathname.slice(1)) || PLATFORM_DATABASE,
  };
}

/**
 * Starts the upgrade platform: its cluster (its own under `<dataDir>/pg`, or UPGRADE_PLATFORM_PG_URL),
 * its database and table, its worker, its HTTP API. `close()` stops all of it.
 */
export async function startUpgradePlatform(
  options: UpgradePlatformOptions,
  deps: { log?: Logger } = {},
): Promise<RunningUpgradePlatform> {
  const log = deps.log ?? createLogger(options.logLevel, { name: 'upgrade-platform' });
  await mkdir(options.dataDir, { recursive: true });
  let embedded: EmbeddedCluster | undefined;
  let login: ClusterLogin;
  if (options.pgUrl) {
    login = loginFromUrl(options.pgUrl);
  } else {
    embedded = await startCluster({ dir: path.join(options.dataDir, 'pg'), pgBin: options.pgBin, durable: options.durable });
    login = { host: embedded.socketDir, port: embedded.port, user: embedded.superuser, password: embedded.password, database: PLATFORM_DATABASE };
  }
  const connection = (database: string): pg.ClientConfig => ({
    host: login.host,
    port: login.port,
    user: login.user,
    password: login.password,
    database,
    application_name: 'upgrade-platform',
    connectionTimeoutMillis: 10_000,
  });
  const cluster: LoadCluster = {
    address: { host: login.host, port: login.port },
    async withAdmin(fn) {
      const admin = new pg.Client(connection('postgres'));
      admin.on('error', () => undefined);
      await admin.connect();
      try {
        return await fn(admin);
      } finally {
        await admin.end().catch(() => undefined);
      }
    },
  };
  let db: pg.Pool | undefined;
  try {
    await ensureDatabase(connection('postgres'), login.database);
    db = new pg.Pool({ ...connection(login.database), max: 4 + options.concurrency });
    // A connection dropped by the server (restart) must not crash the process.
    const lost = (err: Error) => log.warn({ err: err.message }, 'platform database connection lost');
    db.on('error', lost);
    db.on('connect', (client) => client.on('error', lost));
    await createSchema(db);
    const worker = await startUpgradeWorker({ db, cluster, options, log });
    const service = new UpgradeService(db, options);
    const server = await createUpgradeServer(service, log);
    await server.listen({ host: options.host, port: options.port });
    const address = server.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const pool = db;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      archiveNow: () => worker.archive(),
      close() {
        closing ??= (async () => {
          await server.close();
          await worker.stop();
          await pool.end();
          await embedded?.stop();
        })();
        return closing;
      },
    };
  } catch (e) {
    await db?.end().catch(() => undefined);
    await embedded?.stop();
    throw e;
  }
}
