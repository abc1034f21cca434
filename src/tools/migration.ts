import type { App } from '../app.js';
import { updateUpgradeRequest, upgradeRequestsOf } from '../metabase/repositories/upgrade-requests.js';
import type { UpgradeRequestRow } from '../metabase/schema.js';
import { UPGRADE_STATES } from '../metabase/schema.js';
import { platformRequestOf, upgradePlatform } from '../upgrades/platform-client.js';
import { addMonths } from '../dates.js';
import { BIG_FILESTORE_PRODUCTION_LEVEL, filestoreTooBig, targetsOf } from '../upgrades/rules.js';
import { defineTool } from './define.js';

/** The modes as agents read them in the history's legend. */
export const UPGRADE_MODES = {
  internal: 'Internal: an upgraded database in the customer’s list, no e-mail',
  copy: 'Copy: an upgraded, neutralized test copy; its link is e-mailed',
  production: 'Production: the database itself, in place, with downtime (safety backup first)',
  rolling: 'Rolling Release: the nightly upgrade to the newest saas~ release of its line',
} as const;

export const UPGRADE_STATE_LEGEND: Record<(typeof UPGRADE_STATES)[number], string> = {
  Queued: 'waiting to be sent',
  Running: 'running locally (dump)',
  'Sent to Upgrade Platform': 'being upgraded by the upgrade platform (its status and log below)',
  'To Restore on Cloud': 'upgraded there, being restored on a hosting server',
  Done: 'finished',
  Failed: 'failed (with the reason); a failed production upgrade leaves the old database as it was',
  'cancelled (meta)': 'cancelled before it was sent',
};

/** How many finished requests may be asked whether the platform archived them, per page load. */
const ARCHIVE_CHECKS = 5;

/**
 * Finished requests whose link is still shown: the platform deletes a request's files after a
 * while (archived); its page still answers, but the history then says "No Link" as Odoo's does.
 * The answer is kept on the row, so each request is asked until it is archived, a few per load.
 */
async function refreshArchived(app: App, rows: UpgradeRequestRow[]): Promise<UpgradeRequestRow[]> {
  if (!app.config.upgradeUrl) return rows;
  const toCheck = rows
    .filter((r) => ['Done', 'Failed'].includes(r.state) && !r.platform_archived && platformRequestOf(r))
    .slice(0, ARCHIVE_CHECKS);
  const client = upgradePlatform(app);
  const archived = new Set<number>();
  await Promise.all(
    toCheck.map(async (r) => {
      const status = await client.status(platformRequestOf(r)!).catch(() => undefined);
      if (status?.archived) {
        archived.add(r.id);
        await updateUpgradeRequest(app.metabase, r.id, {
          platform_archived: true,
          platform_state: 'archived',
        });
      }
    }),
  );
  return rows.map((r) =>
    archived.has(r.id) ? { ...r, platform_archived: true, platform_state: 'archived' } : r,
  );
}

export const migrationTool = defineTool({
  key: 'migration',
  applies: (database) => database.state === 'active',
  async model({ app, database, agent, now, validationNumber }) {
    const [rows, tooBig] = await Promise.all([
      upgradeRequestsOf(app.metabase, database.name),
      filestoreTooBig(app, database),
    ]);
    const history = (await refreshArchived(app, rows)).map((r) => {
      const platform = platformRequestOf(r);
      return {
        id: r.id,
        date: r.done_at ?? r.updated_at,
        state: r.state,
        mode: r.mode,
        target: r.target,
        requestDate: r.requested_at,
        /** null: the customer receives the e-mails. */
        email: r.email,
        link:
          platform && app.config.upgradeUrl && !r.platform_archived
            ? upgradePlatform(app).requestLink(platform)
            : null,
        platformStatus: r.state === 'Sent to Upgrade Platform' ? r.platform_state : null,
        logTail: r.state === 'Sent to Upgrade Platform' || r.state === 'Failed' ? r.log_tail : null,
        reason: r.reason,
        database: r.result_database,
        canCancel: r.state === 'Queued',
      };
    });
    const lockUntil = database.rolling_release_locked_until;
    const maxUntil = addMonths(now, 1);
    return {
      targets: targetsOf(app, database),
      version: database.version,
      modes: UPGRADE_MODES,
      states: UPGRADE_STATE_LEGEND,
      history,
      filestoreTooBig: tooBig,
      /** Production is refused below this level when the filestore is too big. */
      productionAllowedBySize: !tooBig || agent.level >= BIG_FILESTORE_PRODUCTION_LEVEL,
      validationNumber: validationNumber('request-upgrade'),
      rollingReleaseLock: {
        until: lockUntil && lockUntil > now ? lockUntil : null,
        /** Agents set it on trial databases only. */
        canSet: database.mode === 'trial',
        maxUntil: maxUntil.toISOString().slice(0, 10),
      },
    };
  },
});
