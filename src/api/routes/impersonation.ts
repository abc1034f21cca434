import { z } from 'zod';
import { endImpersonation, impersonationStatus, verifyImpersonation } from '../../impersonation/sessions.js';
import { defineRoute } from '../route.js';

/** A session id and its key, as verify handed them to the tenant (see impersonationSessionKey). */
const sessionBody = z.object({ session: z.number().int().min(1).max(2_147_483_647), key: z.string().min(1).max(128) });

export const impersonationRoutes = [
  defineRoute({
    method: 'POST',
    url: '/api/impersonation/verify',
    summary:
      "The tenant's login hook: accepts an impersonation token once (refuses reused, expired or altered ones)",
    tag: 'impersonation',
    auth: 'public',
    body: z.object({ token: z.string().min(1).max(2048) }),
    handler: async ({ app, body }) => verifyImpersonation(app, body.token),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/impersonation/status',
    summary: "The tenant's login hook: whether an impersonation session it opened still runs (stopped by the agent, or its hour over)",
    tag: 'impersonation',
    auth: 'public',
    body: sessionBody,
    handler: async ({ app, body }) => impersonationStatus(app, body.session, body.key),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/impersonation/end',
    summary: "The tenant's banner: ends the impersonation session it runs (as stop-impersonation would)",
    tag: 'impersonation',
    auth: 'public',
    body: sessionBody,
    handler: async ({ app, body }) => endImpersonation(app, body.session, body.key),
  }),
];
