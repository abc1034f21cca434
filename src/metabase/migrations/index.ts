import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001-initial.js';
import * as jobs from './002-jobs.js';
import * as tenantOps from './003-tenant-ops.js';
import * as lifecycle from './004-lifecycle.js';
import * as backups from './005-backups.js';
import * as pingSchedule from './006-ping-schedule.js';
import * as apiSecurity from './007-api-security.js';
import * as supportLogChain from './008-support-log-chain.js';
import * as servers from './009-servers.js';
import * as moveRollbackCopies from './010-move-rollback-copies.js';
import * as upgrades from './011-upgrades.js';
import * as domains from './012-domains.js';
import * as searchSpeed from './013-search-speed.js';
import * as frontEnd from './014-front-end.js';
import * as emailRelay from './015-email-relay.js';
import * as searchGrams from './016-search-grams.js';
import * as emailReportOnce from './030-email-report-once.js';
import * as upgradePlatformHost from './031-upgrade-platform-host.js';
import * as searchOneRange from './032-search-one-range.js';

/**
 * Numbered migrations, applied in order by Kysely's migrator. A new one is a new file and a
 * line here; a landed one is never edited.
 */
const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-jobs': jobs,
  '003-tenant-ops': tenantOps,
  '004-lifecycle': lifecycle,
  '005-backups': backups,
  '006-ping-schedule': pingSchedule,
  '007-api-security': apiSecurity,
  '008-support-log-chain': supportLogChain,
  '009-servers': servers,
  '010-move-rollback-copies': moveRollbackCopies,
  '011-upgrades': upgrades,
  '012-domains': domains,
  '013-search-speed': searchSpeed,
  '014-front-end': frontEnd,
  '015-email-relay': emailRelay,
  '016-search-grams': searchGrams,
  '030-email-report-once': emailReportOnce,
  '031-upgrade-platform-host': upgradePlatformHost,
  '032-search-one-range': searchOneRange,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
