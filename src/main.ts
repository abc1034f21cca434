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
import { spawnUpgradePlatform } from './upgrade-platform/spawn.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({ level: config.logLevel });
  // The embedded default runs its own upgrade platform, as its own process (unless DBTOOLS_UPGRADE_URL names one).
  const upgradePlatform = config.upgradeUrl
    ? undefined
    : spawnUpgradePlatform({ UPGRADE_PLATFORM_DATA_DIR: path.join(config.dataDir, 'upgrade-platform') });
  upgradePlatform?.catch(() => undefined); // awaited below
  const platform = await startPlatform(config, { log });
  const { app } = platform;
  let demo: { password: string } | undefined;
  if (platform.embeddedServer) demo = await seedDemoPlatform(app, platform.embeddedServer);
  if (upgradePlatform) config.upgradeUrl = (await upgradePlatform).url;
  await platform.startWorker();
  platform.watchCluster();
  const relay = await platform.startRelay();
  // Tenants learn the relay's (possibly new) port in the background: the console need not wait.
  const wired = wireActiveDatabases(app, relay).then((r) => log.info({ ...r, port: relay.address.port }, 'mail relay ready'));
  // The demo databases send real mail through the relay (DBTOOLS_DEMO_MAIL=0: off).
  const demoMail = platform.embeddedServer ? runDemoMailTraffic(app, relay, wired) : undefined;
  // The first start backs up every database in the background (the demo has backups at once).
  await kickOffBackups(app);
  // The demo's hosting server writes Odoo-like technical logs (DBTOOLS_LOG_WRITER=0: off).
  const demoLogs = platform.embeddedServer && app.config.logs.writer ? await startDemoLogs(app, platform.embeddedServer) : undefined;
  const server = await createServer(app, { plugins: [webConsole(app)] });
  await server.listen({ host: config.host, port: config.port });
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;

  const lines = [
    `dbtools console: ${url}`,
    `API: ${url}/api (OpenAPI at ${url}/api/openapi.json)`,
    `Upgrade platform: ${config.upgradeUrl}`,
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
    await demoLogs?.stop();
    await demoMail?.stop();
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
