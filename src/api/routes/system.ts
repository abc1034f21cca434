import { z } from 'zod';
import { metabaseAnswers } from '../../metabase/connect.js';
import { metricsRegistry } from '../../observability/metrics.js';
import { defineRoute, rawAnswer } from '../route.js';
import { tenantsInReservedNamespace } from '../../provisioning/scratch.js';

export const systemRoutes = [
  defineRoute({
    method: 'GET',
    url: '/healthz',
    summary: 'Liveness and metabase reachability: 200 when every check passes, 503 while one fails',
    tag: 'system',
    auth: 'public',
    responses: {
      200: z.object({
        status: z.literal('ok'),
        checks: z.object({ metabase: z.literal('ok') }),
        /** Tenants created before the scratch namespace was reserved: an operator renames them. */
        tenantsInReservedNamespace: z.array(z.string()).optional(),
      }),
      503: z.object({ status: z.literal('unavailable'), checks: z.object({ metabase: z.literal('unreachable') }) }),
    },
    async handler({ app, reply }) {
      const metabase = (await metabaseAnswers(app.metabase)) ? 'ok' : 'unreachable';
      if (metabase !== 'ok') {
        reply.status(503);
        return { status: 'unavailable', checks: { metabase } } as const;
      }
      // Tenants created before the scratch namespace was reserved: an operator renames them.
      const reserved = await tenantsInReservedNamespace(app.metabase).catch(() => []);
      return { status: 'ok', checks: { metabase }, ...(reserved.length && { tenantsInReservedNamespace: reserved }) } as const;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'system',
    auth: 'public',
    responses: { 200: rawAnswer('text/plain', 'Prometheus text exposition format') },
    async handler({ reply }) {
      reply.header('content-type', metricsRegistry.contentType);
      return reply.send(await metricsRegistry.metrics());
    },
  }),
];
