import fc from 'fast-check';
import type { App } from '../../src/app.js';
import { routes } from '../../src/api/routes/index.js';
import { demoDatabases } from '../../src/demo/catalog.js';
import { DEMO_AGENTS } from '../../src/demo/seed-demo.js';
import { allOperations } from '../../src/operations/registry.js';
import { callAt, type Answer } from './http-call.js';
import { createTestTenant } from './tenants.js';

/**
 * The property-based fuzz of every route and operation, in one piece: the integration test runs
 * it with a few cases per property, the benchmark (`npm run bench -- fuzz`) with thousands.
 * Whatever arrives in the path, the query or the body, the answer is a 2xx or a 4xx with
 * `{error: {code, message}}`, never a 5xx or a stack trace.
 */
export interface FuzzTarget {
  baseUrl: string;
  /** A Bearer token of the highest level: it gets furthest into every handler. */
  token: string;
  tokenId: number;
  /** A tenant of the fuzz's own: random operations may change it. */
  ownDatabase: string;
  /** Random names must not hit a demo database; random logins must not lock a demo agent out. */
  demoNames: Set<string>;
  demoLogins: Set<string>;
}

/** Makes the fuzz's own tenant and logs in as `infra` for a token. */
export async function prepareFuzzTarget(app: App, baseUrl: string, password: string): Promise<FuzzTarget> {
  const ownDatabase = (await createTestTenant(app, { prefix: 'fuzz' })).name;
  const session = await callAt(baseUrl, 'POST', '/api/session', { body: { login: 'infra', password } });
  if (session.status !== 200) throw new Error(`fuzz login: ${session.status}`);
  const created = await callAt(baseUrl, 'POST', '/api/tokens', {
    body: { name: 'fuzz' },
    headers: { cookie: session.headers.get('set-cookie')!.split(';')[0], 'x-csrf-token': session.body.csrfToken },
  });
  return {
    baseUrl,
    token: created.body.token,
    tokenId: created.body.id,
    ownDatabase,
    demoNames: new Set(demoDatabases(app.now()).map((d) => d.metabase.name)),
    demoLogins: new Set(DEMO_AGENTS.map((a) => a.login)),
  };
}

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
  '2147483648',
  '9007199254740993',
  'sec_under',
  'sec.-x',
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
/** Integers at and past every boundary an id or a count meets (int4, safe integers). */
const edgeInteger = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 2147483647, 2147483648, -2147483649, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e308),
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
        fc.constantFrom('q', 'mode', 'status', 'server', 'limit', 'cursor', 'page', 'name', 'x', '__proto__'),
        text,
        fc.boolean(),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => '?' + pairs.map(([k, v, raw]) => `${k}=${segment(v, raw && !/[#?]/.test(v))}`).join('&')),
);

/** JSON nested `depth` levels deep, as text (JSON.stringify itself would overflow on the deepest). */
const deepJson = fc
  .tuple(fc.constantFrom(33, 1_000, 50_000), fc.boolean())
  .map(([depth, arrays]) => (arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      login: text,
      password: text,
      name: text,
      user: fc.oneof(edgeInteger, text, fc.constant(null)),
      account: fc.oneof(edgeInteger, text),
      backup: fc.oneof(edgeInteger, text),
      limit: fc.oneof(edgeInteger, fc.double(), text, fc.constantFrom(null, '', [], true)),
      expiresInDays: fc.oneof(edgeInteger, text, fc.constant(null)),
      until: fc.oneof(
        text,
        fc.date({ noInvalidDate: false }).map((d) => (isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
        fc.integer(),
      ),
      enabled: fc.oneof(fc.boolean(), text),
      validation: fc.oneof(text, fc.integer()),
      [`__proto__`]: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
);

type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; value: string; type: string };
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 6, arbitrary: jsonBody.map((value) => ({ kind: 'json' as const, value })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      value: fc.oneof(text, deepJson, fc.constantFrom('{', '{"a":', '[1,2', 'null', '""', '{"login":"x"}'.repeat(3))),
      type: fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'application/octet-stream',
        'application/zip',
      ),
    }),
  },
);

const auth = fc.constantFrom('bearer', 'bearer', 'bearer', 'none', 'bad-cookie', 'bad-bearer');

function send(t: FuzzTarget, method: string, path: string, b: Body, who: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (who === 'bearer') headers.authorization = `Bearer ${t.token}`;
  if (who === 'bad-bearer') headers.authorization = 'Bearer dbt_\u00e9nope';
  if (who === 'bad-cookie') headers.cookie = 'dbtools_session=forged';
  if (method === 'GET' || b.kind === 'none') return callAt(t.baseUrl, method, path, { headers });
  if (b.kind === 'json') return callAt(t.baseUrl, method, path, { headers, rawBody: JSON.stringify(b.value) ?? 'null' });
  return callAt(t.baseUrl, method, path, { headers: { ...headers, 'content-type': b.type }, rawBody: b.value });
}

/** What is wrong with an answer to bad input, or undefined: a 2xx, or a 4xx `{error}` without internals. */
export function problemOf(res: Answer): string | undefined {
  if (res.status >= 500) return `a ${res.status}`;
  if (res.status < 200) return `a ${res.status}`;
  if (res.status < 400) return undefined;
  const error = (res.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') return 'a 4xx without {error: {code, message}}';
  if (/\n\s+at |node_modules|\/src\/|\.ts:\d+/.test(error.message)) return 'internals in the message';
  return undefined;
}

/** Called with each answer and what is wrong with it (undefined: nothing): the test asserts, the bench counts. */
export type Check = (res: Answer, what: string, problem: string | undefined) => void;

export interface FuzzProperty {
  name: string;
  property: fc.IAsyncProperty<unknown[]>;
}

const routeName = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
const operationName = (o: { name: string }) => `operation ${o.name}`;
const UNKNOWN_PATH = 'an unknown path';

/** The properties' names, known before any platform runs (test names are declared up front). */
export function fuzzPropertyNames(): string[] {
  return [...routes.map(routeName), ...allOperations().map(operationName), UNKNOWN_PATH];
}

/** One property per route, one per operation, one for unknown paths. */
export function fuzzProperties(t: FuzzTarget, check: Check): FuzzProperty[] {
  const out: FuzzProperty[] = [];
  for (const route of routes) {
    const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]);
    const segments = fc.array(
      fc.tuple(
        fc.oneof(text, fc.constantFrom(t.ownDatabase, 'no-such-database', ...allOperations().map((o) => o.name))),
        fc.boolean(),
      ),
      { minLength: params.length, maxLength: params.length },
    );
    const property = fc.asyncProperty(segments, queryString, body, auth, async (segs, query, b, who) => {
      fc.pre(!segs.some(([v]) => t.demoNames.has(v)));
      // Revoking its own token would leave the rest of the run unauthenticated.
      fc.pre(!(route.url === '/api/tokens/:id' && segs.some(([v]) => Number(v) === t.tokenId)));
      if (route.url === '/api/session' && b.kind === 'json') {
        const login = (b.value as { login?: unknown } | null)?.login;
        fc.pre(!(typeof login === 'string' && t.demoLogins.has(login)));
      }
      let i = 0;
      const path = route.url.replace(/:(\w+)/g, () => {
        const [value, raw] = segs[i++];
        // Sent raw, `/`, `?` and `#` would change which route is asked; encoded they reach the handler.
        return segment(value, raw && !/[/?#]/.test(value));
      });
      const res = await send(t, route.method, path + query, b, who);
      check(res, `${route.method} ${path + query}`, problemOf(res));
    });
    out.push({ name: routeName(route), property: property as fc.IAsyncProperty<unknown[]> });
  }
  for (const op of allOperations()) {
    const property = fc.asyncProperty(
      body,
      fc.constantFrom(t.ownDatabase, 'no-such-database', 'UPPER', '..'),
      async (b, name) => {
        const path = `/api/databases/${segment(name, false)}/operations/${op.name}`;
        const res = await send(t, 'POST', path, b, 'bearer');
        check(res, `POST ${path} ${JSON.stringify(b).slice(0, 300)}`, problemOf(res));
      },
    );
    out.push({ name: operationName(op), property: property as fc.IAsyncProperty<unknown[]> });
  }
  const unknown = fc.asyncProperty(
    fc.array(fc.tuple(text, fc.boolean()), { minLength: 1, maxLength: 4 }),
    body,
    async (parts, b) => {
      const path = '/' + parts.map(([v, raw]) => segment(v, raw && !/[/?#]/.test(v))).join('/');
      fc.pre(!routes.some((r) => new RegExp('^' + r.url.replace(/:\w+/g, '[^/]+') + '$').test(path)));
      const res = await send(t, 'POST', '/api/zz' + path, b, 'bearer');
      const wrongStatus = res.status === 400 || res.status === 404 ? undefined : `a ${res.status}, not a 404`;
      check(res, `POST /api/zz${path}`, problemOf(res) ?? wrongStatus);
    },
  );
  out.push({ name: UNKNOWN_PATH, property: unknown as fc.IAsyncProperty<unknown[]> });
  return out;
}
