import type { App } from '../app.js';
import { defineSchedule } from '../jobs/define.js';
import { listServers } from '../metabase/repositories/servers.js';
import { rotateLogDir } from './rotate.js';

/**
 * Daily at 05:00 UTC (configurable): every hosting server's log folder reachable from this
 * worker is rotated. The rotation is idempotent, so a second worker or a retry changes nothing.
 */
export const logRotationSchedule = defineSchedule({
  name: 'log-rotation',
  cron: (app) => app.config.logs.rotationCron,
  async run(app: App) {
    for (const server of await listServers(app.metabase)) {
      const result = await rotateLogDir(server.log_dir, app.now());
      if (result.rotated || result.compressed.length || result.deleted.length) {
        app.log.info({ server: server.name, ...result }, 'technical logs rotated');
      }
    }
  },
});
