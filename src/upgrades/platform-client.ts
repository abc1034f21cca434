import type { App } from '../app.js';
import { UpstreamFailed } from '../errors.js';
import { UpgradePlatformClient, type PlatformRequest } from './client.js';
import type { UpgradeRequestRow } from '../metabase/schema.js';

/** The client of the configured upgrade platform (DBTOOLS_UPGRADE_URL, DBTOOLS_UPGRADE_API_KEY). */
export function upgradePlatform(app: App): UpgradePlatformClient {
  if (!app.config.upgradeUrl) {
    throw new UpstreamFailed('No upgrade platform is configured (DBTOOLS_UPGRADE_URL): upgrades cannot be sent.');
  }
  return new UpgradePlatformClient(app.config.upgradeUrl, app.config.upgradeApiKey);
}

/** The platform's id and key of a request that was created there, else null. */
export function platformRequestOf(row: Pick<UpgradeRequestRow, 'platform_request_id' | 'platform_key'>): PlatformRequest | null {
  return row.platform_request_id && row.platform_key ? { id: row.platform_request_id, key: row.platform_key } : null;
}
