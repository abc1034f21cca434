import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { createServer } from './api/server.js';
import { loadConfig, ConfigError } from './config/config.js';
import { DEMO_AGENTS, seedDemoPlatform } from './demo/seed-demo.js';
import { startPlatform } from './platform.js';
import { webConsole } from './web/serve.js';
import { kickOffBackups } from './jobs/backup-schedules.js';
import { startDemoLogs } from './logs/demo-start.js';
import { wireActiveDatabases } from './mail/relay/start.js';
import { runDemoMailTraffic } from './demo/mail-traffic.js';
import { startFrontEnds } from './frontend/index.js';
import { spawnUpgradePlatform } from './upgrade-platform/spawn.js';
import { demoAcmeLine, startDemoAcme } from './demo/acme.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ level: config.logLevel });
  // The embedded default runs its own upgrade platform, as its own process (unless DBTOOLS_UPGRADE_URL names one).
  // Its API key is made for this start and known to the two processes only.
  if (!config.upgradeUrl) config.upgradeApiKey = randomBytes(32).toString('base64url');
  const upgradePlatform = config.upgradeUrl
    ? undefined
    : spawnUpgradePlatform({
        UPGRADE_PLATFORM_DATA_DIR: path.join(config.dataDir, 'upgrade-platform'),
        UPGRADE_PLATFORM_API_KEYS: config.upgradeApiKey!,
      });
  upgradePlatform?.catch(() => undefined); // awaited below
  const platform = await startPlatform(config, { log });
  const { app } = platform;
  let demo: { password: string } | undefined;
  const embedded = platform.embeddedServers;
  if (embedded.length) demo = await seedDemoPlatform(app, embedded);
  // nginx per embedded hosting server, serving every database (warns and goes on without nginx).
  const frontEnds = await startFrontEnds(app, embedded);
  // The demo's DNS and ACME CA for custom domains (pebble), when installed; never fatal. Every
  // front end listens on the same http port, so one CA reaches all the embedded servers.
  const demoAcme = embedded.length
    ? await startDemoAcme(app, embedded[0]).catch((err: Error) => {
        log.warn({ err: err.message }, 'the demo DNS and CA for custom domains did not start');
        return null;
      })
    : null;
  if (upgradePlatform) {
    const running = await upgradePlatform;
    config.upgradeUrl = running.url;
    config.upgradeCaFile = running.caFile;
  }
  await platform.startWorker();
  platform.watchCluster();
  const relay = await platform.startRelay();
  // Tenants learn the relay's (possibly new) port in the background: the console need not wait.
  const wired = wireActiveDatabases(app, relay).then((r) => log.info({ ...r, port: relay.address.port }, 'mail relay ready'));
  // The demo databases send real mail through the relay (DBTOOLS_DEMO_MAIL=0: off).
  const demoMail = embedded.length ? runDemoMailTraffic(app, relay, wired) : undefined;
  // The first start backs up every database in the background (the demo has backups at once).
  await kickOffBackups(app);
  // The demo's hosting servers write Odoo-like technical logs (DBTOOLS_LOG_WRITER=0: off).
  const demoLogs = app.config.logs.writer ? await Promise.all(embedded.map((s) => startDemoLogs(app, s))) : [];
  const server = await createServer(app, { plugins: [webConsole(app)] });
  await server.listen({ host: config.host, port: config.port });
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;

  const lines = [
    `dbtools console: ${url}`,
    `API: ${url}/api (OpenAPI at ${url}/api/openapi.json)`,
    `Upgrade platform: ${config.upgradeUrl}`,
    demoAcmeLine(demoAcme, config),
  ];
  if (demo) {
    lines.push(
      `Demo logins (password "${demo.password}"): ${DEMO_AGENTS.map((a) => `${a.login} (${a.level})`).join(', ')}`,
      `CLI: DBTOOLS_URL=${url} npx dbtools login functional`,
    );
  }
  process.stdout.write('\n' + lines.join('\n') + '\n\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await server.close();
    for (const writer of demoLogs) await writer.stop();
    await demoMail?.stop();
    await frontEnds.stop();
    await demoAcme?.stop();
    await platform.close();
    await (await upgradePlatform)?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`dbtools: ${e.message}\n`);
  } else {
    process.stderr.write(`dbtools failed to start: ${(e as Error).stack ?? String(e)}\n`);
  }
  process.exit(1);
});
