import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { createServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/config.js';
import { seedDemoPlatform } from '../../src/demo/seed-demo.js';
import { startFrontEnds } from '../../src/frontend/index.js';
import { startPlatform } from '../../src/platform.js';
import { upgradePlatformOptionsFromEnv } from '../../src/upgrade-platform/options.js';
import { startUpgradePlatform } from '../../src/upgrade-platform/start.js';
import { webConsole } from '../../src/web/serve.js';
import { testEnv, UPGRADE_API_KEY } from './env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    dataDir: string;
    /** The run's upgrade platform (its own cluster), which the platform's DBTOOLS_UPGRADE_URL names. */
    upgradeUrl: string;
    /** The CA of its assigned host's certificate (DBTOOLS_UPGRADE_CA_FILE). */
    upgradeCaFile: string;
  }
}

interface RunningPlatform {
  baseUrl: string;
  dataDir: string;
  upgradeUrl: string;
  upgradeCaFile: string;
  stop(): Promise<void>;
}

/**
 * The run's one platform, however many projects (integration, e2e) name this setup. Each project
 * loads this file through its own module runner, so module state is not shared: the main
 * process's globalThis is.
 */
const shared = globalThis as typeof globalThis & {
  dbtoolsTestPlatform?: { running: Promise<RunningPlatform>; users: number };
};

/** Provides the run's platform to the project, starting it for the first project that needs it. */
export default async function setup(project: TestProject) {
  shared.dbtoolsTestPlatform ??= { running: startTestPlatform(), users: 0 };
  const mine = shared.dbtoolsTestPlatform;
  mine.users++;
  const platform = await mine.running;
  project.provide('baseUrl', platform.baseUrl);
  project.provide('dataDir', platform.dataDir);
  project.provide('upgradeUrl', platform.upgradeUrl);
  project.provide('upgradeCaFile', platform.upgradeCaFile);
  return async () => {
    // The last project to finish stops it.
    if (--mine.users > 0) return;
    shared.dbtoolsTestPlatform = undefined;
    await platform.stop();
  };
}

/** Starts a real platform in a temp folder: its own PostgreSQL cluster, the seeded demo, the HTTP server. */
async function startTestPlatform(): Promise<RunningPlatform> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dbtools-test-'));
  // mkdtemp makes it private; the cluster runs as the postgres user, who must traverse it.
  await chmod(dataDir, 0o755);
  const config = loadConfig(testEnv(dataDir));
  const log = pino({ level: 'warn' });
  // The upgrade platform, as its own service with its own cluster; archiving after 72 s (checked
  // every 18 s) lets a test see an archived request's "No Link".
  const upgrades = await startUpgradePlatform(
    {
      ...upgradePlatformOptionsFromEnv({
        UPGRADE_PLATFORM_ARCHIVE_HOURS: '0.02',
        UPGRADE_PLATFORM_MS_PER_MB: '20',
        UPGRADE_PLATFORM_API_KEYS: UPGRADE_API_KEY,
      }),
      dataDir: path.join(dataDir, 'upgrade-platform'),
      durable: false,
      logLevel: 'warn',
    },
    { log },
  );
  config.upgradeUrl = upgrades.url;
  config.upgradeCaFile = upgrades.caFile;
  config.upgrades.pollMs = 300;
  const platform = await startPlatform(config, { durable: false, log });
  await seedDemoPlatform(platform.app, platform.embeddedServers);
  // The hosting servers' nginx, as `npm start` runs them: tests reach databases through them.
  const frontEnds = await startFrontEnds(platform.app, platform.embeddedServers);
  await platform.startWorker();
  const server = await createServer(platform.app, { plugins: [webConsole(platform.app)] });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('the test server has no TCP address');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    dataDir,
    upgradeUrl: upgrades.url,
    upgradeCaFile: upgrades.caFile ?? '',
    async stop() {
      await server.close();
      await frontEnds.stop();
      await platform.close();
      await upgrades.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
