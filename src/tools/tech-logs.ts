import { listLogFiles } from '../logs/layout.js';
import { readableLogPassword } from '../logs/password.js';
import { defineTool } from './define.js';

/**
 * `tools.tech_logs`: the technical logs of the database's hosting server (files with their
 * password-protected links, the viewer) and the Metabase Information (every field of the row),
 * both behind the same access key. `password` only for the level of `tech_logs_password`, and
 * only when the platform holds it in clear (the embedded default's first one).
 */
export const techLogsTool = defineTool({
  key: 'tech_logs',
  async model({ app, database, agent }) {
    const server = await app.tenants.server(database.server_id);
    const base = `/logs/${encodeURIComponent(server.name)}`;
    const files = await listLogFiles(server.log_dir);
    const password = app.policy.allows(agent.level, 'tech_logs_password')
      ? await readableLogPassword(app, server.name)
      : null;
    return {
      metabase: { ...database },
      server: server.name,
      files: files.map((f) => ({
        name: f.name,
        size: f.size,
        compressed: f.compressed,
        url: `${base}/${f.name}`,
      })),
      viewerUrl: `/databases/${encodeURIComponent(database.name)}/logs`,
      user: 'logs',
      canRotatePassword: app.policy.allows(agent.level, 'tech_logs_password'),
      ...(password ? { password } : {}),
    };
  },
});
