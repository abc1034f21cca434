import { metabaseAnswers } from '../../metabase/connect.js';
import { metricsRegistry } from '../../observability/metrics.js';
import { defineRoute } from '../route.js';
import { tenantsInReservedNamespace } from '../../provisioning/scratch.js';

export const systemRoutes = [
  defineRoute({
    method: 'GET',
    url: '/healthz',
    summary: 'Liveness and metabase reachability: 200 when every check passes, 503 while one fails',
    tag: 'system',
    auth: 'public',
    async handler({ app, reply }) {
      const metabase = (await metabaseAnswers(app.metabase)) ? 'ok' : 'unreachable';
      if (metabase !== 'ok') {
        reply.status(503);
        return { status: 'unavailable', checks: { metabase } };
      }
      // Tenants created before the scratch namespace was reserved: an operator renames them.
      const reserved = await tenantsInReservedNamespace(app.metabase).catch(() => []);
      return { status: 'ok', checks: { metabase }, ...(reserved.length && { tenantsInReservedNamespace: reserved }) };
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
];
