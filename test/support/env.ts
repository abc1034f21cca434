export const DEMO_PASSWORD = 'demo-password-for-tests';
/** The API key of the test runs' upgrade platforms (UPGRADE_PLATFORM_API_KEYS), which dbtools presents. */
export const UPGRADE_API_KEY = 'upgrade-api-key-for-tests';

/** The environment a test platform runs with: everything under its own temp folder. */
export function testEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { DBTOOLS_DATA_DIR: dataDir, DBTOOLS_DEMO_PASSWORD: DEMO_PASSWORD, DBTOOLS_UPGRADE_API_KEY: UPGRADE_API_KEY, LOG_LEVEL: 'warn', ...extra };
}
