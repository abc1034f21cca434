import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createServer } from './api/server.js';
import { loadConfig, ConfigError, type Config } from './config/config.js';
import { DEMO_AGENTS, seedDemoPlatform } from './demo/seed-demo.js';
import {
  EMBEDDED_SERVERS,
  embeddedClusterDir,
  embeddedMetabaseClusterDir,
  startPlatform,
  type Platform,
} from './platform.js';
import { webConsole } from './web/serve.js';
import { kickOffBackups } from './jobs/backup-schedules.js';
import { startDemoLogs } from './logs/demo-start.js';
import { wireActiveDatabases } from './mail/relay/start.js';
import { runDemoMailTraffic } from './demo/mail-traffic.js';
import { startFrontEnds } from './frontend/index.js';
import { spawnUpgradePlatform, type SpawnedUpgradePlatform } from './upgrade-platform/spawn.js';
import { demoAcmeLine, startDemoAcme, type DemoAcmeRunning } from './demo/acme.js';
import { stopClusterAt } from './hosting/cluster.js';
import { createLogger } from './observability/logger.js';
import { stopOnSignals, type StopStep } from './shutdown.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** What this start has running so far: the stop steps stop what is there. */
interface Running {
  server?: FastifyInstance;
  demoLogs: { stop(): Promise<void> }[];
  demoMail?: { stop(): Promise<void> };
  platform?: Platform;
  frontEnds?: Awaited<ReturnType<typeof startFrontEnds>>;
  demoAcme?: DemoAcmeRunning | null;
  upgrades?: Promise<SpawnedUpgradePlatform>;
}

/** The embedded clusters' folders: known before any of them runs, so a stop forced mid-start reaches them. */
function clusterDirs(config: Config): string[] {
  if (config.metabaseUrl) return [];
  return [
    ...EMBEDDED_SERVERS.map((s) => embeddedClusterDir(config.dataDir, s)),
    embeddedMetabaseClusterDir(config.dataDir),
  ];
}

/**
 * In the reverse order of the start: nothing is stopped while something started after it still
 * uses it, and the clusters go last. Each step may be forced (a second Ctrl-C, or its time up).
 */
function stopSteps(config: Config, running: Running, upgradePlatformDir: string): StopStep[] {
  const upgrades = () => running.upgrades?.catch(() => undefined);
  return [
    {
      name: 'the console (HTTP)',
      stop: async () => running.server?.close(),
      // Followed log tails and job streams stay open until their client goes: cut them.
      timeoutMs: 5_000,
      force: async () => running.server?.server.closeAllConnections(),
    },
    {
      name: 'the demo log writers and mail traffic',
      stop: async () => {
        for (const writer of running.demoLogs) await writer.stop();
        await running.demoMail?.stop();
      },
    },
    // A running job is resumed by the next start (its steps are idempotent): no need to wait long.
    {
      name: 'the job worker and the mail relay',
      stop: async () => running.platform?.close({ keepClusters: true }),
      timeoutMs: 15_000,
    },
    {
      name: 'the front ends (nginx)',
      stop: async () => running.frontEnds?.stop(),
      force: async () => running.frontEnds?.kill(),
      timeoutMs: 15_000,
    },
    {
      name: 'the demo CA and DNS (pebble)',
      stop: async () => running.demoAcme?.stop(),
      force: async () => running.demoAcme?.kill(),
      timeoutMs: 10_000,
    },
    {
      name: 'the upgrade platform and its cluster',
      stop: async () => {
        if (!running.upgrades) return;
        await (await upgrades())?.stop();
        // Its own stop stops its cluster; one it left (killed meanwhile) is stopped here.
        await stopClusterAt(path.join(upgradePlatformDir, 'pg'), 'fast', config.pgBin);
      },
      force: async () => {
        if (!running.upgrades) return;
        await (await upgrades())?.kill();
        await stopClusterAt(path.join(upgradePlatformDir, 'pg'), 'immediate', config.pgBin);
      },
    },
    {
      name: 'the PostgreSQL clusters',
      // Through the platform's handles when it runs: they also tell its watchdog (a check under
      // way included) that a stopped cluster is meant to be; by folder before it was up.
      stop: async () => {
        running.platform?.unwatchCluster();
        if (running.platform) await Promise.all(running.platform.clusters.map((c) => c.stop()));
        await Promise.all(clusterDirs(config).map((dir) => stopClusterAt(dir, 'fast', config.pgBin)));
      },
      force: async () => {
        running.platform?.unwatchCluster();
        if (running.platform) await Promise.all(running.platform.clusters.map((c) => c.stopNow()));
        await Promise.all(clusterDirs(config).map((dir) => stopClusterAt(dir, 'immediate', config.pgBin)));
      },
    },
  ];
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const running: Running = { demoLogs: [] };
  const upgradePlatformDir = path.join(config.dataDir, 'upgrade-platform');
  // Ctrl-C during the start stops too: the start goes on to its next checkpoint, then everything
  // started so far is stopped in order (a second Ctrl-C does not wait for the checkpoint).
  const stopper = stopOnSignals(log, stopSteps(config, running, upgradePlatformDir));
  try {
    await start(config, log, running, () => stopper.checkpoint());
    stopper.started();
  } catch (e) {
    process.stderr.write(`dbtools failed to start: ${(e as Error).stack ?? String(e)}\n`);
    // What did start is stopped (clusters, children): a failed start leaves nothing behind either.
    await stopper.failed(1);
  }
}

async function start(
  config: Config,
  log: Logger,
  running: Running,
  checkpoint: () => Promise<void>,
): Promise<void> {
  const upgradePlatformDir = path.join(config.dataDir, 'upgrade-platform');

  // The embedded default runs its own upgrade platform, as its own process (unless DBTOOLS_UPGRADE_URL names one).
  // Its API key is made for this start and known to the two processes only.
  if (!config.upgradeUrl) config.upgradeApiKey = randomBytes(32).toString('base64url');
  if (!config.upgradeUrl) {
    running.upgrades = spawnUpgradePlatform({
      UPGRADE_PLATFORM_DATA_DIR: upgradePlatformDir,
      UPGRADE_PLATFORM_API_KEYS: config.upgradeApiKey!,
    });
    running.upgrades.catch(() => undefined); // awaited below
  }
  const platform = await startPlatform(config, { log });
  running.platform = platform;
  await checkpoint();
  const { app } = platform;
  let demo: { password: string } | undefined;
  const embedded = platform.embeddedServers;
  if (embedded.length) demo = await seedDemoPlatform(app, embedded);
  await checkpoint();
  // nginx per embedded hosting server, serving every database (warns and goes on without nginx).
  running.frontEnds = await startFrontEnds(app, embedded);
  await checkpoint();
  // The demo's DNS and ACME CA for custom domains (pebble), when installed; never fatal. Every
  // front end listens on the same http port, so one CA reaches all the embedded servers.
  const demoAcme = embedded.length
    ? await startDemoAcme(app, embedded[0]).catch((err: Error) => {
        log.warn({ err: err.message }, 'the demo DNS and CA for custom domains did not start');
        return null;
      })
    : null;
  running.demoAcme = demoAcme;
  await checkpoint();
  if (running.upgrades) {
    const upgrades = await running.upgrades;
    config.upgradeUrl = upgrades.url;
    config.upgradeCaFile = upgrades.caFile;
  }
  await platform.startWorker();
  platform.watchCluster();
  const relay = await platform.startRelay();
  // Tenants learn the relay's (possibly new) port in the background: the console need not wait.
  const wired = wireActiveDatabases(app, relay).then((r) =>
    log.info({ ...r, port: relay.address.port }, 'mail relay ready'),
  );
  // The demo databases send real mail through the relay (DBTOOLS_DEMO_MAIL=0: off).
  running.demoMail = embedded.length ? runDemoMailTraffic(app, relay, wired) : undefined;
  await checkpoint();
  // The first start backs up every database in the background (the demo has backups at once).
  await kickOffBackups(app);
  // The demo's hosting servers write Odoo-like technical logs (DBTOOLS_LOG_WRITER=0: off).
  running.demoLogs = app.config.logs.writer
    ? await Promise.all(embedded.map((s) => startDemoLogs(app, s)))
    : [];
  await checkpoint();
  const server = await createServer(app, { plugins: [webConsole(app)] });
  running.server = server;
  await server.listen({ host: config.host, port: config.port });
  await checkpoint();
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;

  const lines = [
    `dbtools console: ${url}`,
    `API: ${url}/api (OpenAPI at ${url}/api/openapi.json)`,
    `Upgrade platform: ${config.upgradeUrl}`,
    demoAcmeLine(demoAcme, config),
  ];
  if (embedded.length) {
    lines.push(
      config.odooSources
        ? `Real Odoo: the hosted databases are served (and the demo's made) by the Odoo trees of ${config.odooSources}`
        : 'Real Odoo: off (each database answers with a placeholder); DBTOOLS_ODOO_SOURCES=<folder of Odoo trees or archives, e.g. ../shared/odoo> turns it on (README: Real Odoo behind the front ends)',
    );
  }
  if (demo) {
    lines.push(
      `Demo logins (password "${demo.password}"): ${DEMO_AGENTS.map((a) => `${a.login} (${a.level})`).join(', ')}`,
      `CLI: DBTOOLS_URL=${url} npx dbtools login functional`,
    );
  }
  lines.push(
    'Ctrl-C stops the console, its front ends, the demo CA, the upgrade platform and the clusters (twice: at once).',
  );
  process.stdout.write('\n' + lines.join('\n') + '\n\n');
}

main().catch((e) => {
  process.stderr.write(
    e instanceof ConfigError
      ? `dbtools: ${e.message}\n`
      : `dbtools failed to start: ${(e as Error).stack ?? String(e)}\n`,
  );
  process.exit(1);
});
