import type { App } from '../app.js';
import { defineSchedule } from '../jobs/define.js';
import { publishHead } from './publish.js';

/** Publishes the support history's head, logging loudly when the history no longer follows the last one. */
export async function publishAuditHead(app: App): Promise<void> {
  const publication = await publishHead(app.metabase, app.config.audit.headsFile, app.now());
  if ('refused' in publication) {
    app.log.error(
      { entry: publication.refused.id, reason: publication.refused.reason, headsFile: app.config.audit.headsFile },
      'the support history no longer follows its last published head: run dbtools audit verify',
    );
  }
}

/**
 * Every minute: entries removed from the end of the history are caught by `audit verify` once a
 * head naming them is published, so this is the window in which the newest ones could go unseen.
 */
export const auditHeadSchedule = defineSchedule({
  name: 'audit-head',
  cron: '* * * * *',
  run: publishAuditHead,
});
