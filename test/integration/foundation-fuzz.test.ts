import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { routes } from '../../src/api/routes/index.js';
import { demoDatabases } from '../../src/demo/catalog.js';
import { DEMO_AGENTS } from '../../src/demo/seed-demo.js';
import { allOperations } from '../../src/operations/registry.js';
import { AgentSession, call, type Answer } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';
import { createTestTenant } from '../support/tenants.js';

/**
 * Bad input of every kind on every route: whatever arrives in the path, the query or the body,
 * the answer is a 2xx or a 4xx with `{error: {code, message}}`, never a 5xx or a stack trace.
 */
let app: App & { close(): Promise<void> };
let ownDatabase: string;
let token: string;
const NUM_RUNS = 50;

// Random logins must not lock a demo agent out (rate limit); random names must not hit a demo database.
const demoLogins = new Set(DEMO_AGENTS.map((a) => a.login));
let demoNames = new Set<string>();

beforeAll(async () => {
  app = await connectTestApp();
  demoNames = new Set(demoDatabases(app.now()).map((d) => d.metabase.name));
  ownDatabase = (await createTestTenant(app, { prefix: 'fuzz' })).name;
  // The highest level gets furthest into every handler; a Bearer token cannot log itself out.
  token = (await (await AgentSession.login('infra')).post('/api/tokens', { name: 'fuzz' })).body.token;
});
afterAll(() => app.close());

const nasty = fc.constantFrom(
  '..',
  '../',
  '../../etc/passwd',
  '.',
  "'",
  '"',
  "x'; DROP TABLE database; --",
  '\\',
  '%',
  '%zz',
  '%00',
  '\u0000',
  'a\u0000b',
  ' ',
  'é',
  'Ünïcødé',
  '😀',
  '\u202e',
  '\ud800',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '-1',
  '1e309',
  'a'.repeat(64),
  'a'.repeat(201),
  'x'.repeat(3000),
);
const text = fc.oneof(
  nasty,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Percent-encodes the UTF-8 bytes (a lone surrogate becomes U+FFFD), or sends the text as is. */
function segment(value: string, raw: boolean): string {
  if (raw) return value;
  return [...Buffer.from(value, 'utf8')].map((b) => '%' + b.toString(16).padStart(2, '0')).join('');
}

const queryString = fc.oneof(
  fc.constant(''),
  nasty.map((s) => '?' + s),
  fc
    .array(
      fc.tuple(
        fc.constantFrom('q', 'mode', 'status', 'server', 'limit', 'cursor', 'page', 'x', '__proto__'),
        text,
        fc.boolean(),
      ),
      {
        maxLength: 5,
      },
    )
    .map((pairs) => '?' + pairs.map(([k, v, raw]) => `${k}=${segment(v, raw && !/[#?]/.test(v))}`).join('&')),
);

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      login: text,
      password: text,
      name: text,
      limit: fc.oneof(fc.integer(), fc.double(), text, fc.constant(null)),
      until: fc.oneof(
        text,
        fc.date({ noInvalidDate: false }).map((d) => (isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
        fc.integer(),
      ),
      validation: fc.oneof(text, fc.integer()),
      [`__proto__`]: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
);

type Body =
  { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; value: string; type: string };
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 6, arbitrary: jsonBody.map((value) => ({ kind: 'json' as const, value })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      value: fc.oneof(text, fc.constantFrom('{', '{"a":', '[1,2', 'null', '""', '{"login":"x"}'.repeat(3))),
      type: fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
      ),
    }),
  },
);

const auth = fc.constantFrom('bearer', 'bearer', 'bearer', 'none', 'bad-cookie', 'bad-bearer');

async function send(method: string, path: string, b: Body, who: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (who === 'bearer') headers.authorization = `Bearer ${token}`;
  if (who === 'bad-bearer') headers.authorization = 'Bearer dbt_\u00e9nope';
  if (who === 'bad-cookie') headers.cookie = 'dbtools_session=forged';
  if (method === 'GET' || b.kind === 'none') return call(method, path, { headers });
  if (b.kind === 'json') return call(method, path, { headers, rawBody: JSON.stringify(b.value) ?? 'null' });
  return call(method, path, { headers: { ...headers, 'content-type': b.type }, rawBody: b.value });
}

function expectWellFormed(res: Answer, what: string): void {
  const where = `${what} → ${res.status} ${typeof res.body === 'string' ? res.body.slice(0, 300) : JSON.stringify(res.body)?.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  expect(res.status, where).toBeGreaterThanOrEqual(200);
  if (res.status >= 400) {
    expect(res.status, where).toBeLessThan(500);
    expect(res.body, where).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });
    const message = (res.body as { error: { message: string } }).error.message;
    expect(message, where).not.toMatch(/\n\s+at |node_modules|\/src\/|\.ts:\d+/);
  }
}

describe('bad input on every route', () => {
  for (const route of routes) {
    const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]);
    it(`${route.method} ${route.url} answers 2xx or 4xx with {error} to anything`, async () => {
      const segments = fc.array(
        fc.tuple(
          fc.oneof(
            text,
            fc.constantFrom(ownDatabase, 'no-such-database', ...allOperations().map((o) => o.name)),
          ),
          fc.boolean(),
        ),
        { minLength: params.length, maxLength: params.length },
      );
      await fc.assert(
        fc.asyncProperty(segments, queryString, body, auth, async (segs, query, b, who) => {
          fc.pre(!segs.some(([v]) => demoNames.has(v)));
          if (route.url === '/api/session' && b.kind === 'json') {
            const login = (b.value as { login?: unknown } | null)?.login;
            fc.pre(!(typeof login === 'string' && demoLogins.has(login)));
          }
          let i = 0;
          const path = route.url.replace(/:(\w+)/g, () => {
            const [value, raw] = segs[i++];
            // Sent raw, `/`, `?` and `#` would change which route is asked; encoded they reach the handler.
            return segment(value, raw && !/[/?#]/.test(value));
          });
          const res = await send(route.method, path + query, b, who);
          expectWellFormed(res, `${route.method} ${path + query}`);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }

  for (const op of allOperations()) {
    it(`operation ${op.name} answers 2xx or 4xx with {error} to any input`, async () => {
      await fc.assert(
        fc.asyncProperty(
          body,
          fc.constantFrom(ownDatabase, 'no-such-database', 'UPPER', '..'),
          async (b, name) => {
            const path = `/api/databases/${segment(name, false)}/operations/${op.name}`;
            const res = await send('POST', path, b, 'bearer');
            expectWellFormed(res, `POST ${path} ${JSON.stringify(b)}`);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });
  }

  it('an unknown path answers 404 {error}', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(text, fc.boolean()), { minLength: 1, maxLength: 4 }),
        body,
        async (parts, b) => {
          const path = '/' + parts.map(([v, raw]) => segment(v, raw && !/[/?#]/.test(v))).join('/');
          fc.pre(!routes.some((r) => new RegExp('^' + r.url.replace(/:\w+/g, '[^/]+') + '$').test(path)));
          const res = await send('POST', '/api/zz' + path, b, 'bearer');
          expectWellFormed(res, `POST /api/zz${path}`);
          expect(res.status).toBe(res.status === 400 ? 400 : 404);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
