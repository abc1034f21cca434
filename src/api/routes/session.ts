import { z } from 'zod';
import { agentAnswer, okAnswer } from '../answers.js';
import { login, logout, SESSION_COOKIE } from '../auth.js';
import { defineRoute } from '../route.js';

const me = (app: { policy: { levelName(l: number): string } }, a: { login: string; name: string; level: number }) => ({
  login: a.login,
  name: a.name,
  level: a.level,
  levelName: app.policy.levelName(a.level),
});

/** `GET /api/me`, and the agent of `POST /api/session`: the console imports this type. */
export type SessionAgent = ReturnType<typeof me>;

export const sessionRoutes = [
  defineRoute({
    method: 'POST',
    url: '/api/session',
    summary: 'Log in: sets the session cookie and answers the CSRF token',
    tag: 'auth',
    auth: 'public',
    body: z.object({ login: z.string().min(1).max(128), password: z.string().min(1).max(1024) }),
    responses: { 200: z.object({ csrfToken: z.string(), agent: agentAnswer }) },
    async handler({ app, body, request, reply }) {
      // The cookie the caller came with (an earlier session) ends: a login always gets a new id.
      const session = await login(app, body.login, body.password, request.ip, request.cookies[SESSION_COOKIE]);
      reply.setCookie(SESSION_COOKIE, session.cookie, {
        httpOnly: true,
        sameSite: 'strict',
        // Behind a TLS proxy this is the forwarded protocol, when DBTOOLS_TRUST_PROXY trusts it.
        secure: request.protocol === 'https',
        path: '/',
      });
      return { csrfToken: session.csrfToken, agent: me(app, session.agent) };
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/session',
    summary: 'Log out',
    tag: 'auth',
    auth: 'agent',
    responses: { 200: okAnswer },
    async handler({ app, request, reply }) {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie) await logout(app, cookie);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/me',
    summary: 'The calling agent',
    tag: 'auth',
    auth: 'agent',
    responses: { 200: agentAnswer },
    handler: async ({ app, agent }) => me(app, agent),
  }),
];

export { me };
