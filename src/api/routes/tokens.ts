import { z } from 'zod';
import { int4Id, wholeNumber } from '../../operations/inputs.js';
import { instant } from '../answers.js';
import { createApiToken, listTokens, revokeToken } from '../auth.js';
import { defineRoute } from '../route.js';

/** The longest life a token may be given: ten years. */
const MAX_TOKEN_DAYS = 3650;

const publicToken = (t: { id: number; name: string; created_at: Date; last_used_at: Date | null; expires_at: Date }) => ({
  id: t.id,
  name: t.name,
  createdAt: t.created_at,
  lastUsedAt: t.last_used_at,
  expiresAt: t.expires_at,
});

const tokenAnswer = z.object({
  id: z.number().int(),
  name: z.string(),
  createdAt: instant,
  lastUsedAt: instant.nullable(),
  expiresAt: instant,
});

export const tokenRoutes = [
  defineRoute({
    method: 'POST',
    url: '/api/tokens',
    summary: 'Create an API token for the CLI and scripts (shown once; expires, default 90 days)',
    tag: 'auth',
    auth: 'agent',
    body: z.object({
      name: z.string().trim().min(1).max(100),
      expiresInDays: wholeNumber(1, MAX_TOKEN_DAYS).optional(),
    }),
    responses: { 200: tokenAnswer.extend({ token: z.string() }) },
    async handler({ app, agent, body }) {
      const created = await createApiToken(app, agent, body);
      return { ...publicToken(created), token: created.token };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/tokens',
    summary: 'Your API tokens: name, created, last used, expires (never the secret)',
    tag: 'auth',
    auth: 'agent',
    responses: { 200: z.object({ tokens: z.array(tokenAnswer) }) },
    handler: async ({ app, agent }) => ({ tokens: (await listTokens(app, agent)).map(publicToken) }),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/tokens/:id',
    summary: 'Revoke one of your API tokens: it stops working at once',
    tag: 'auth',
    auth: 'agent',
    params: z.object({ id: int4Id() }),
    responses: { 200: z.object({ revoked: tokenAnswer }) },
    handler: async ({ app, agent, params }) => ({ revoked: publicToken(await revokeToken(app, agent, params.id)) }),
  }),
];
