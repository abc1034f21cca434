import { lastCompletedJobOf } from '../metabase/repositories/jobs.js';
import { keptMoveRollbackCopy } from '../metabase/repositories/move-rollback-copies.js';
import { listServers } from '../metabase/repositories/servers.js';
import { defineTool } from './define.js';

/**
 * `tools.move`: the servers the database can go to, its last move (with the customer's
 * downtime, measured from the lock to the unlock) and the rollback copy still kept.
 */
export const moveTool = defineTool({
  key: 'move',
  applies: (database) => database.state === 'active',
  async model({ app, database }) {
    const [servers, last, copy] = await Promise.all([
      listServers(app.metabase),
      lastCompletedJobOf(app.metabase, database.name, 'move-database'),
      keptMoveRollbackCopy(app.metabase, database.name),
    ]);
    const result = (last?.result ?? null) as {
      from?: string;
      to?: string;
      downtimeMs?: number | null;
    } | null;
    return {
      server: servers.find((s) => s.id === database.server_id)?.name ?? null,
      targets: servers.filter((s) => s.id !== database.server_id).map((s) => s.name),
      lastMove: last
        ? {
            finishedAt: last.finished_at,
            from: result?.from ?? null,
            to: result?.to ?? null,
            downtimeMs: result?.downtimeMs ?? null,
          }
        : null,
      rollbackCopy: copy
        ? {
            server: servers.find((s) => s.id === copy.server_id)?.name ?? null,
            keepUntil: copy.keep_until,
          }
        : null,
    };
  },
});
