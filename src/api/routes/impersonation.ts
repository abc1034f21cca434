import { z } from 'zod';
import { endImpersonation, impersonationStatus, verifyImpersonation } from '../../impersonation/sessions.js';
import { instant } from '../answers.js';
import { defineRoute } from '../route.js';

/** Whether an impersonation session still runs (src/impersonation/sessions.ts ImpersonationStatus). */
const statusAnswer = z.object({
  active: z.boolean(),
  expiresAt: instant,
  ended: z.enum(['stopped', 'expired']).nullable(),
});

/** The use the tenant's login hook grants (src/impersonation/sessions.ts ImpersonationGranted). */
const grantedAnswer = z.object({
  database: z.string(),
  uid: z.number().int(),
  login: z.string(),
  expiresAt: instant,
  session: z.number().int(),
  key: z.string(),
  agent: z.object({ login: z.string(), name: z.string() }),
  reason: z.string(),
});

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
    responses: { 200: grantedAnswer },
    handler: async ({ app, body }) => verifyImpersonation(app, body.token),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/impersonation/status',
    summary: "The tenant's login hook: whether an impersonation session it opened still runs (stopped by the agent, or its hour over)",
    tag: 'impersonation',
    auth: 'public',
    body: sessionBody,
    responses: { 200: statusAnswer },
    handler: async ({ app, body }) => impersonationStatus(app, body.session, body.key),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/impersonation/end',
    summary: "The tenant's banner: ends the impersonation session it runs (as stop-impersonation would)",
    tag: 'impersonation',
    auth: 'public',
    body: sessionBody,
    responses: { 200: statusAnswer },
    handler: async ({ app, body }) => endImpersonation(app, body.session, body.key),
  }),
];
