import pino from 'pino';
import { inject } from 'vitest';
import type { App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { startPlatform } from '../../src/platform.js';
import { testEnv } from './env.js';

/**
 * An App connected to the run's platform (started by the global setup), for tests that
 * call services directly or check the metabase and tenants with SQL.
 */
export async function connectTestApp(
  options: { now?: () => Date } = {},
): Promise<App & { close(): Promise<void> }> {
  const config = loadConfig(testEnv(inject('dataDir')));
  const platform = await startPlatform(config, {
    durable: false,
    log: pino({ level: 'warn' }),
    now: options.now,
  });
  return Object.assign(platform.app, {
    close: async () => {
      platform.app.tenants.close();
      await platform.app.metabase.destroy();
    },
  });
}

export function baseUrl(): string {
  return inject('baseUrl');
}
