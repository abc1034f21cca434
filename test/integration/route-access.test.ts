import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { routes } from '../../src/api/routes/index.js';
import { DEMO_AGENTS } from '../../src/demo/seed-demo.js';
import type { DatabaseRow } from '../../src/metabase/schema.js';
import { AgentSession, call, type Answer } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

let app: App & { close(): Promise<void> };
let tenant: DatabaseRow;
const sessions = new Map<number, AgentSession>();

/**
 * Signed-in routes that declare no access key, and why: any agent may call them, or the rule
 * depends on the target and is checked where the target is known. A new route joins this
 * list only after that decision.
 */
const OPEN_TO_EVERY_AGENT = new Set([
  'DELETE /api/session', // logging out
  'GET /api/me',
  'POST /api/tokens', // a token carries its agent's level
  'GET /api/tokens', // an agent lists their own tokens only
  'DELETE /api/tokens/:id', // an agent revokes their own tokens only
  'GET /api/databases', // search: every level finds databases
  'GET /api/databases/:name', // the Tools page lists only the tools the level allows
  'POST /api/databases/:name/operations/:operation', // the operation registry checks the operation's key
  'GET /api/operations',
  'GET /api/policy',
  'GET /api/jobs/:id', // gated by the access key of the job's kind (src/jobs/job-access.ts)
  'GET /api/jobs/:id/events',
  'GET /api/job-kinds', // the words for each kind of job and its steps
]);

const gated = routes.filter((r) => r.access);

beforeAll(async () => {
  app = await connectTestApp();
  tenant = await createTestTenant(app, { prefix: 'route-access' });
  for (const a of DEMO_AGENTS) sessions.set(a.level, await AgentSession.login(a.login));
});
afterAll(() => app.close());

function send(session: AgentSession, method: string, url: string): Promise<Answer<{ error: { code: string } }>> {
  const filled = url.replace(':name', tenant.name).replace(/:\w+/g, '1');
  if (method === 'GET') return session.get(filled);
  return call(method, filled, { body: {}, headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken } });
}

describe('routes declare the access key they need, and the server enforces it', () => {
  it('there are gated routes, and each key is in the access map', () => {
    expect(gated.length).toBeGreaterThanOrEqual(5);
    for (const r of gated) expect(Number.isFinite(app.policy.minimumLevel(r.access!)), r.url).toBe(true);
  });

  for (const route of gated) {
    it(`${route.method} ${route.url} (${route.access}) answers 403 below its access-map level and never at or above`, async () => {
      const minimum = app.policy.minimumLevel(route.access!);
      for (const { level } of DEMO_AGENTS) {
        const res = await send(sessions.get(level)!, route.method, route.url);
        const where = `level ${level}: ${res.status} ${JSON.stringify(res.body)}`;
        if (level < minimum) {
          expect(res.status, where).toBe(403);
          expect(res.body.error.code, where).toBe('not_allowed');
        } else {
          expect(res.status, where).not.toBe(403);
          expect(res.status, where).toBeLessThan(500);
        }
      }
    });
  }

  it('every signed-in route declares an access key or is one of the routes open to every agent', () => {
    const undeclared = routes
      .filter((r) => r.auth === 'agent' && !r.access)
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => !OPEN_TO_EVERY_AGENT.has(r));
    expect(undeclared).toEqual([]);
  });

  it('no route file checks a level by hand', async () => {
    const dir = path.resolve(import.meta.dirname, '../../src/api/routes');
    for (const file of await readdir(dir)) {
      const text = await readFile(path.join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/policy\.(allows|require|minimumLevel)|\.level\s*[<>]=?|NotAllowed/);
    }
  });
});
