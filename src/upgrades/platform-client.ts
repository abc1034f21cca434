import type { App } from '../app.js';
import { UpstreamFailed } from '../errors.js';
import { UpgradePlatformClient, type PlatformRequest } from './client.js';
import type { UpgradeRequestRow } from '../metabase/schema.js';

/** The client of the configured upgrade platform (DBTOOLS_UPGRADE_URL, DBTOOLS_UPGRADE_API_KEY, DBTOOLS_UPGRADE_CA_FILE). */
export function upgradePlatform(app: App): UpgradePlatformClient {
  if (!app.config.upgradeUrl) {
    throw new UpstreamFailed('No upgrade platform is configured (DBTOOLS_UPGRADE_URL): upgrades cannot be sent.');
  }
  return new UpgradePlatformClient(app.config.upgradeUrl, app.config.upgradeApiKey, app.config.upgradeCaFile);
}

/** The platform's id, token and assigned host of a request that was created there, else null. */
export function platformRequestOf(
  row: Pick<UpgradeRequestRow, 'platform_request_id' | 'platform_key' | 'platform_host'>,
): PlatformRequest | null {
  return row.platform_request_id && row.platform_key && row.platform_host
    ? { id: row.platform_request_id, token: row.platform_key, hostUri: row.platform_host }
    : null;
}
