import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { createLogger } from './observability/logger.js';
import type { App } from './app.js';
import type { Config } from './config/config.js';
import { tenantsInReservedNamespace } from './provisioning/scratch.js';
import { startCluster, type EmbeddedCluster } from './hosting/cluster.js';
import { ensureDatabase } from './hosting/ensure-database.js';
import { connectMetabase, migrateMetabase, PatientPool, type MetabaseDb } from './metabase/connect.js';
import { upsertServer } from './metabase/repositories/servers.js';
import { relocateMetabase } from './metabase/relocate.js';
import { getSetting, setSettingIfMissing } from './metabase/repositories/settings.js';
import { ensureSystemAgent } from './lifecycle/system-actor.js';
import type { HostingServerRow } from './metabase/schema.js';
import { Policy } from './policy/policy.js';
import { TenantAccess } from './tenant/access.js';
import { giveTenantsTheirRoles } from './provisioning/tenant-roles.js';
import { startWorker, type Worker } from './jobs/worker.js';
import { startMailRelay, type MailRelay } from './mail/relay/start.js';
import { ensureKeyedChain } from './audit/cut-over.js';
import { auditKeyPlugin } from './audit/key.js';
import { loadAuditKey } from './audit/load-key.js';
import { publishAuditHead } from './audit/schedule.js';

export const METABASE_NAME = 'dbtools';
/**
 * The embedded default's hosting servers, each its own PostgreSQL cluster (the metabase has a
 * third, see embeddedMetabaseClusterDir). The first keeps the name and folders of the
 * single-server days, so an older data folder keeps working: its metabase moves out at the next
 * start, and the second server is created beside it.
 */
export const EMBEDDED_SERVERS = ['local', 'local2'] as const;
export const EMBEDDED_SERVER = EMBEDDED_SERVERS[0];

export interface Platform {
  app: App;
  /** Starts the job queue's worker and schedules in this process. */
  startWorker(options?: { concurrency?: number }): Promise<Worker>;
  /**
   * The server process keeps its embedded cluster up: every `everyMs` it checks the cluster and
   * starts it again if it stopped (crash, OOM kill, an operator's pg_ctl stop), so `npm start`
   * never needs a human restart. Without an embedded cluster (external metabase) it does
   * nothing: the pools reconnect when the server is back. `everyMs` 0 turns it off.
   */
  watchCluster(everyMs?: number): void;
  /** Ends the watch: a stop is under way, and a cluster stopping is then what is meant. */
  unwatchCluster(): void;
  /** Starts the outgoing mail relay and its bounce endpoint in this process (closed by close()). */
  startRelay(): Promise<MailRelay>;
  /** The embedded cluster that holds the metabase (and nothing else). */
  cluster?: EmbeddedCluster;
  /** Every embedded cluster: the metabase's first, then the hosting servers' in the order of EMBEDDED_SERVERS. */
  clusters: EmbeddedCluster[];
  /** The embedded hosting servers (EMBEDDED_SERVERS), when running on the embedded default; else empty. */
  embeddedServers: HostingServerRow[];
  /**
   * Stops what this process started (relay, workers, pools) and the embedded clusters; with
   * `keepClusters` the clusters stay up (a worker process leaves them to the server that shares them).
   */
  close(options?: { keepClusters?: boolean }): Promise<void>;
}

export interface PlatformOptions {
  log?: Logger;
  /** Tests trade durability for speed. */
  durable?: boolean;
  now?: () => Date;
}

/** The signing secret lives in the metabase, so every process of the platform shares it. */
async function platformSecret(db: MetabaseDb): Promise<Buffer> {
  const existing = await getSetting(db, 'secret');
  if (existing) return Buffer.from(existing, 'base64');
  await setSettingIfMissing(db, 'secret', randomBytes(32).toString('base64'));
  return Buffer.from((await getSetting(db, 'secret'))!, 'base64');
}

/** An embedded hosting server's folder: its filestores, backups, logs, config and code checkouts. */
export function embeddedServerRoot(dataDir: string, server: string = EMBEDDED_SERVER): string {
  return path.join(dataDir, 'hosting', server);
}

/**
 * The metabase's own cluster: no tenant shares it, so no tenant role (nor anything a customer
 * plants in a tenant) is ever a login on the cluster that holds the agents and the support log.
 */
export function embeddedMetabaseClusterDir(dataDir: string): string {
  return path.join(dataDir, 'metabase', 'pg');
}

/** The first server's cluster stays where the single-server embedded default put it. */
export function embeddedClusterDir(dataDir: string, server: string = EMBEDDED_SERVER): string {
  return server === EMBEDDED_SERVER
    ? path.join(dataDir, 'pg')
    : path.join(embeddedServerRoot(dataDir, server), 'pg');
}

export function embeddedServerPaths(dataDir: string, server: string = EMBEDDED_SERVER) {
  const root = embeddedServerRoot(dataDir, server);
  return {
    filestore_root: path.join(root, 'filestore'),
    backup_root: path.join(root, 'backups'),
    log_dir: path.join(root, 'logs'),
    config_dir: path.join(root, 'config'),
  };
}

/**
 * Connects to (or, on the embedded default, starts) the metabase, migrates it, registers the
 * hosting servers and builds the App. Seeding the demo is separate (see demo/seed-demo.ts).
 */
export async function startPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const log = options.log ?? createLogger(config.logLevel);
  // Outside the metabase, before anything: a process that cannot sign the history does not start.
  const auditKey = await loadAuditKey(config.audit);
  let cluster: EmbeddedCluster | undefined;
  let clusters: EmbeddedCluster[] = [];
  let metabaseConfig: pg.PoolConfig;
  if (config.metabaseUrl) {
    metabaseConfig = { connectionString: config.metabaseUrl };
  } else {
    // DBTOOLS_PG_PORT is the metabase cluster's; the hosting servers' pick a free port once.
    const started = await Promise.allSettled([
      startCluster({
        dir: embeddedMetabaseClusterDir(config.dataDir),
        pgBin: config.pgBin,
        port: config.pgPort,
        durable: options.durable,
      }),
      ...EMBEDDED_SERVERS.map((name) =>
        startCluster({
          dir: embeddedClusterDir(config.dataDir, name),
          pgBin: config.pgBin,
          avoidPort: config.pgPort,
          durable: options.durable,
        }),
      ),
    ]);
    clusters = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      for (const c of clusters) if (c.startedHere) await c.stop();
      throw failed.reason;
    }
    cluster = clusters[0];
    await relocateMetabase(clusters[1], cluster, METABASE_NAME, log);
    metabaseConfig = {
      host: cluster.socketDir,
      port: cluster.port,
      user: cluster.superuser,
      database: METABASE_NAME,
    };
    await ensureDatabase(metabaseConfig, METABASE_NAME);
  }
  const metabase = connectMetabase(metabaseConfig, { plugins: [auditKeyPlugin(auditKey)] });
  try {
    await migrateMetabase(metabase);
    await ensureSystemAgent(metabase);
    const cutOver = await ensureKeyedChain(metabase);
    const reserved = await tenantsInReservedNamespace(metabase);
    if (reserved.length) {
      log.warn(
        { databases: reserved },
        'tenant databases named in the reserved scratch namespace; rename them (they are never dropped as scratch)',
      );
    }
    const embeddedServers: HostingServerRow[] = [];
    for (const [i, c] of clusters.slice(1).entries()) {
      const name = EMBEDDED_SERVERS[i];
      const paths = embeddedServerPaths(config.dataDir, name);
      for (const dir of Object.values(paths)) await mkdir(dir, { recursive: true });
      embeddedServers.push(
        await upsertServer(metabase, {
          name,
          host: c.socketDir,
          port: c.port,
          superuser: c.superuser,
          password: c.password,
          ...paths,
        }),
      );
    }
    for (const s of config.servers) {
      const url = new URL(s.url);
      await upsertServer(metabase, {
        name: s.name,
        host: url.hostname,
        port: Number(url.port || 5432),
        superuser: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password) || null,
        filestore_root: s.filestoreRoot,
        backup_root: s.backupRoot,
        log_dir: s.logDir,
        config_dir: s.configDir,
      });
    }
    const secret = await platformSecret(metabase);
    const app: App = {
      config,
      metabase,
      policy: new Policy(config, secret),
      tenants: new TenantAccess(metabase, secret, config.tenantConnections),
      log,
      secret,
      now: options.now ?? (() => new Date()),
    };
    await giveTenantsTheirRoles(app);
    // The cut-over's head is published at once: removing it (and the keyed history) shows.
    if (cutOver.created) {
      log.info(
        { entry: cutOver.id, headsFile: config.audit.headsFile },
        'the support history is signed with the audit key from now on',
      );
      await publishAuditHead(app);
    }
    const workers: { worker: Worker; pool: pg.Pool }[] = [];
    const relays: MailRelay[] = [];
    let closing = false;
    let watchdog: NodeJS.Timeout | undefined;
    return {
      app,
      cluster,
      clusters,
      embeddedServers,
      async startWorker(opts = {}) {
        // The queue's connections wait out an outage (see PatientPool). A connection dropped by the
        // server (restart, failover) must not crash the process; while closing, the cluster
        // stopping under idle connections is expected and not worth a warning.
        const pool = new PatientPool(
          { ...metabaseConfig, max: 4, connectionTimeoutMillis: 5_000 },
          {
            onOutage: (err) => log.warn({ err: err.message }, 'job queue waiting for the metabase'),
            closing: () => closing,
          },
        );
        const lost = (err: Error) => closing || log.warn({ err: err.message }, 'worker connection lost');
        pool.on('error', lost);
        pool.on('connect', (client) => client.on('error', lost));
        const worker = await startWorker(app, { pool, concurrency: opts.concurrency });
        workers.push({ worker, pool });
        return worker;
      },
      async startRelay() {
        const relay = await startMailRelay(app);
        relays.push(relay);
        return relay;
      },
      watchCluster(everyMs = Number(process.env.DBTOOLS_CLUSTER_WATCHDOG_SECONDS ?? 5) * 1000) {
        if (!clusters.length || watchdog || !(everyMs > 0)) return;
        let checking = false;
        const check = async () => {
          if (checking) return; // a start (crash recovery) can outlast the interval
          checking = true;
          // One at a time: each restart is logged with its own duration, and one failing does not stop the next.
          for (const [i, c] of clusters.entries()) {
            const started = Date.now();
            const server = i === 0 ? 'metabase' : EMBEDDED_SERVERS[i - 1];
            try {
              if (await c.ensureRunning()) {
                log.warn(
                  { server, ms: Date.now() - started },
                  'the embedded PostgreSQL cluster had stopped; started it again',
                );
              }
            } catch (err) {
              log.error(
                { server, err: (err as Error).message },
                'could not restart the embedded PostgreSQL cluster',
              );
            }
          }
          checking = false;
        };
        watchdog = setInterval(() => void check(), everyMs);
        watchdog.unref();
      },
      unwatchCluster() {
        clearInterval(watchdog);
      },
      async close({ keepClusters = false } = {}) {
        closing = true;
        clearInterval(watchdog);
        for (const relay of relays) await relay.close();
        for (const { worker, pool } of workers) {
          await worker.stop();
          await pool.end();
        }
        // The last head this process saw, so that entries written since the last minute's are covered too.
        await publishAuditHead(app).catch((err: Error) =>
          log.warn({ err: err.message }, 'could not publish the support history head'),
        );
        app.tenants.close();
        await metabase.destroy();
        if (!keepClusters) await Promise.all(clusters.map((c) => c.stop()));
      },
    };
  } catch (e) {
    await metabase.destroy();
    await Promise.all(clusters.map((c) => c.stop()));
    throw e;
  }
}
