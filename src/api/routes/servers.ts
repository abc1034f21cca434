import { z } from 'zod';
import { serverOverview } from '../../observability/server-overview.js';
import { defineRoute } from '../route.js';

/** One hosting server (src/observability/server-overview.ts ServerOverview); null: it could not be read. */
const serverItem = z.object({
  name: z.string(),
  databases: z.number().int(),
  diskUsedBytes: z.number().nullable(),
  diskFreeBytes: z.number().nullable(),
  connections: z.number().nullable(),
  pgVersion: z.string().nullable(),
  healthy: z.boolean(),
  frontEnd: z.object({ address: z.string(), httpPort: z.number().int(), httpsPort: z.number().int() }).nullable(),
  odooSeries: z.array(z.enum(['16.0', '17.0', '18.0'])),
});

export const serverRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/servers',
    summary:
      'The hosting servers with their active databases, disk used (databases + filestores) and free, connections, PostgreSQL version and health (an unreachable server is listed unhealthy)',
    tag: 'servers',
    auth: 'agent',
    access: 'servers',
    responses: { 200: z.object({ items: z.array(serverItem) }) },
    handler: async ({ app }) => ({ items: await serverOverview(app) }),
  }),
];
