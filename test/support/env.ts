export const DEMO_PASSWORD = 'demo-password-for-tests';

/** The environment a test platform runs with: everything under its own temp folder. */
export function testEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { DBTOOLS_DATA_DIR: dataDir, DBTOOLS_DEMO_PASSWORD: DEMO_PASSWORD, LOG_LEVEL: 'warn', ...extra };
}
