import { sql } from 'kysely';
import { metricsRegistry } from '../metrics.js';
import { openApiDocument } from '../openapi.js';
import { defineRoute } from '../route.js';
import { tenantsInReservedNamespace } from '../../provisioning/scratch.js';

export const systemRoutes = [
  defineRoute({
    method: 'GET',
    url: '/healthz',
    summary: 'Liveness and metabase reachability',
    tag: 'system',
    auth: 'public',
    async handler({ app, reply }) {
      try {
        await sql`SELECT 1`.execute(app.metabase);
        const reserved = await tenantsInReservedNamespace(app.metabase);
        // Tenants created before the scratch namespace was reserved: an operator renames them.
        return reserved.length ? { status: 'ok', tenantsInReservedNamespace: reserved } : { status: 'ok' };
      } catch {
        reply.status(503);
        return { status: 'unavailable', metabase: 'unreachable' };
      }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'system',
    auth: 'public',
    raw: true,
    async handler({ reply }) {
      reply.header('content-type', metricsRegistry.contentType);
      return reply.send(await metricsRegistry.metrics());
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/openapi.json',
    summary: 'This API as OpenAPI 3.1',
    tag: 'system',
    auth: 'public',
    handler: async () => openApiDocument(),
  }),
];
