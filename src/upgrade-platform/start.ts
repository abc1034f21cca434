import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { createLogger } from '../observability/logger.js';
import { startCluster, type EmbeddedCluster } from '../hosting/cluster.js';
import { ensureDatabase } from '../hosting/ensure-database.js';
import type { LoadCluster } from '../provisioning/customer-sql.js';
import { createUpgradeServer } from './http.js';
import type { UpgradePlatformOptions } from './options.js';
import { UpgradeService } from './service.js';
import { createSchema } from './store.js';
import { startUpgradeWorker } from './worker.js';
import { sshUserFor, startSshServer, type RunningSshServer } from './ssh-server.js';
import { hostCertificate } from './tls.js';
import type { FastifyInstance } from 'fastify';
import { randomInt } from 'node:crypto';

export const PLATFORM_DATABASE = 'upgrade_platform';

export interface RunningUpgradePlatform {
  /** Its base URL (HTTP, where `create` is sent). */
  url: string;
  /** What `create` answers as `assigned_host_uri`: every later call goes to `https://<it>`, the transfers to SSH on its host. */
  assignedHostUri: string;
  /** The CA of the assigned host's certificate, when the platform made it (callers trust it). */
  caFile?: string;
  sshPort: number;
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
  let ssh: RunningSshServer | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  try {
    await ensureDatabase(connection('postgres'), login.database);
    db = new pg.Pool({ ...connection(login.database), max: 4 + options.concurrency });
    // A connection dropped by the server (restart) must not crash the process.
    const lost = (err: Error) => log.warn({ err: err.message }, 'platform database connection lost');
    db.on('error', lost);
    db.on('connect', (client) => client.on('error', lost));
    await createSchema(db);
    const sshUser = sshUserFor(options.sshUser);
    const worker = await startUpgradeWorker({ db, cluster, options, log, transferUser: process.getuid?.() === 0 ? sshUser : undefined });
    stops.push(() => worker.stop());
    const pool = db;
    const later: { service?: UpgradeService } = {};
    const assigned = await listenAssigned(options, log, (cert) => createUpgradeServer(() => later.service!, log, { https: cert }));
    stops.push(() => assigned.server.close());
    ssh = await startSshServer({ dir: path.join(options.dataDir, 'ssh'), host: assigned.host, port: options.sshPort, user: sshUser, log });
    const sshServer = ssh;
    const service: UpgradeService = new UpgradeService(db, options, assigned.hostUri, {
      user: sshUser,
      port: sshServer.port,
      knownHosts: sshServer.knownHosts,
      sync: async (): Promise<void> => sshServer.authorize(await service.grants()),
    });
    later.service = service;
    await service.grants().then((grants) => sshServer.authorize(grants));
    // Transfers never stopped expire: their keys leave the file at the next sync.
    const expiry = setInterval(
      () => void service.grants().then((grants) => sshServer.authorize(grants)).catch((err: Error) => log.warn({ err: err.message }, 'transfer keys not synced')),
      Math.min(60_000, Math.max(1000, service.transferMs / 4)),
    );
    expiry.unref();
    stops.push(async () => clearInterval(expiry));
    const server = await createUpgradeServer(service, log);
    stops.push(() => server.close());
    await server.listen({ host: options.host, port: options.port });
    const address = server.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      assignedHostUri: assigned.hostUri,
      caFile: assigned.caFile,
      sshPort: sshServer.port,
      archiveNow: () => worker.archive(),
      close() {
        closing ??= (async () => {
          for (const stop of stops.reverse()) await stop();
          await sshServer.stop();
          await pool.end();
          await embedded?.stop();
        })();
        return closing;
      },
    };
  } catch (e) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await ssh?.stop().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await embedded?.stop();
    throw e;
  }
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/**
 * The assigned host's HTTPS server. Odoo's client puts no port in `https://<assigned_host_uri>`
 * and none in its rsync destination, so the host has port 443 to itself: on a loopback platform,
 * an address of its own in 127.0.0.0/8 (another platform on the machine has another). When 443
 * cannot be had (not root), a free port, written into `assigned_host_uri`: our client follows it;
 * Odoo's cannot rsync to such a host.
 */
async function listenAssigned(
  options: UpgradePlatformOptions,
  log: Logger,
  make: (cert: { cert: Buffer; key: Buffer }) => Promise<FastifyInstance>,
): Promise<{ server: FastifyInstance; host: string; hostUri: string; caFile?: string }> {
  const chosen = options.assignedHost;
  // The address a loopback platform took is kept with its data: requests made before a restart
  // (their callers hold the host) still reach it after.
  const remembered = path.join(options.dataDir, 'assigned-host');
  const previous = (await readFile(remembered, 'utf8').catch(() => '')).trim();
  const candidates = chosen
    ? [chosen]
    : isLoopback(options.host)
      ? [
          ...(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(previous) ? [previous] : []),
          ...Array.from({ length: 6 }, () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`),
        ]
      : [options.host];
  let lastError: unknown;
  for (const host of candidates) {
    const certificate = await hostCertificate(
      options.dataDir,
      host,
      options.tlsCertFile && options.tlsKeyFile ? { certFile: options.tlsCertFile, keyFile: options.tlsKeyFile } : undefined,
    );
    for (const port of options.httpsPort === 443 ? [443, 0] : [options.httpsPort]) {
      const server = await make(certificate);
      try {
        await server.listen({ host, port });
        const address = server.server.address();
        const bound = typeof address === 'object' && address ? address.port : port;
        if (bound !== 443) log.warn({ host, port: bound }, 'the assigned host has no port 443: Odoo\'s own client cannot transfer to it');
        if (!chosen && isLoopback(options.host)) await writeFile(remembered, `${host}\n`);
        const name = host.includes(':') ? `[${host}]` : host;
        return { server, host, hostUri: bound === 443 ? name : `${name}:${bound}`, caFile: certificate.caFile };
      } catch (e) {
        lastError = e;
        await server.close().catch(() => undefined);
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' && !chosen) break; // another address
        if (code !== 'EACCES' && code !== 'EADDRINUSE') throw e;
      }
    }
  }
  throw lastError;
}
