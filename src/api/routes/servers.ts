import { serverOverview } from '../../observability/server-overview.js';
import { defineRoute } from '../route.js';

export const serverRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/servers',
    summary:
      'The hosting servers with their active databases, disk used (databases + filestores) and free, connections, PostgreSQL version and health (an unreachable server is listed unhealthy)',
    tag: 'servers',
    auth: 'agent',
    access: 'servers',
    handler: async ({ app }) => ({ items: await serverOverview(app) }),
  }),
];
