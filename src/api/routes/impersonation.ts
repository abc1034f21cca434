import { z } from 'zod';
import { verifyImpersonation } from '../../impersonation/sessions.js';
import { defineRoute } from '../route.js';

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
];
