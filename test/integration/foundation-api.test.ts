import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { demoDatabases } from '../../src/demo/catalog.js';
import { metabaseReads } from '../../src/metabase/connect.js';
import { allOperations } from '../../src/operations/registry.js';
import { routes } from '../../src/api/routes/index.js';
import { AgentSession, call } from '../support/http.js';
import { connectTestApp } from '../support/platform.js';

let app: App & { close(): Promise<void> };
let agent: AgentSession;
beforeAll(async () => {
  app = await connectTestApp();
  agent = await AgentSession.login('helpdesk');
});
afterAll(() => app.close());

const names = (items: { name: string }[]) => items.map((i) => i.name);

describe('search', () => {
  it('q matches a name substring', async () => {
    const res = await agent.get('/api/databases?q=bakery&limit=200');
    expect(res.status).toBe(200);
    expect(names(res.body.items)).toEqual(expect.arrayContaining(['acme-bakery', 'maple-street-bakery']));
    expect(res.body.items.every((i: { name: string; uuid: string }) => i.name.includes('bakery'))).toBe(true);
  });

  it('q matches a uuid prefix, and a subscription code in any case', async () => {
    const demo = demoDatabases(app.now());
    const acme = demo.find((d) => d.metabase.name === 'acme-bakery')!.metabase;
    const byUuid = await agent.get(`/api/databases?q=${acme.uuid.slice(0, 13)}`);
    expect(names(byUuid.body.items)).toEqual(['acme-bakery']);
    const paid = demo.find((d) => d.metabase.subcode)!.metabase;
    const byCode = await agent.get(`/api/databases?q=${paid.subcode!.toLowerCase()}`);
    expect(names(byCode.body.items)).toContain(paid.name);
    expect(
      byCode.body.items.every(
        (i: { subcode: string | null; name: string }) =>
          i.subcode === paid.subcode || i.name.includes(paid.subcode!.toLowerCase()),
      ),
    ).toBe(true);
  });

  it('filters by mode and status, and treats LIKE wildcards in q literally', async () => {
    const paid = await agent.get('/api/databases?mode=paid&limit=200');
    expect(paid.body.items.length).toBeGreaterThan(0);
    expect(paid.body.items.every((i: { mode: string }) => i.mode === 'paid')).toBe(true);
    const wild = await agent.get('/api/databases?q=%25');
    expect(wild.body.items).toEqual([]);
    // Other tests create names with a real underscore: `_` must match those only, not any character.
    const underscore = await agent.get('/api/databases?q=_&limit=200');
    expect(underscore.body.items.every((i: { name: string }) => i.name.includes('_'))).toBe(true);
    expect(names(underscore.body.items)).not.toContain('acme-bakery');
  });

  it('keyset pages are disjoint, ordered by name, and together hold every demo database', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const res: { body: { items: { name: string }[]; nextCursor: string | null } } = await agent.get(
        `/api/databases?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(7);
      seen.push(...names(res.body.items));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    expect(seen).toEqual(expect.arrayContaining(demoDatabases(app.now()).map((d) => d.metabase.name)));
  });
});

describe('system routes', () => {
  it('/healthz answers ok', async () => {
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('/metrics has the request latency histogram labelled by route and status, and the operations counter', async () => {
    const refused = await (
      await AgentSession.login('technical')
    ).run('no-such-db', 'set-email-limit', { limit: 1 });
    expect(refused.status).toBe(404);
    const own = await agent.run('acme-bakery', 'set-email-limit', { limit: 1 });
    expect(own.status).toBe(403);
    const res = await call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = res.body as string;
    expect(text).toMatch(/^# TYPE dbtools_http_request_duration_seconds histogram$/m);
    expect(text).toMatch(
      /dbtools_http_request_duration_seconds_bucket\{[^}]*route="\/api\/databases\/:name\/operations\/:operation"[^}]*status="403"/,
    );
    expect(text).toMatch(/^# TYPE dbtools_operations_total counter$/m);
  });

  it('/metrics counts operations by name and outcome', async () => {
    const technical = await AgentSession.login('technical');
    const before = await call('GET', '/metrics');
    const count = (text: string) =>
      Number(
        /dbtools_operations_total\{operation="set-email-limit",outcome="failure"\} (\d+)/.exec(text)?.[1] ??
          0,
      );
    const res = await technical.run('acme-bakery', 'set-email-limit', { limit: 'lots' });
    expect(res.status).toBe(422);
    const after = await call('GET', '/metrics');
    expect(count(after.body as string)).toBeGreaterThan(count(before.body as string));
  });

  it('/api/openapi.json is OpenAPI 3.1.0 with every route and a path per operation', async () => {
    const res = await call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const route of routes) {
      const p = route.url.replace(/:(\w+)/g, '{$1}');
      expect(res.body.paths[p]?.[route.method.toLowerCase()], `${route.method} ${p}`).toBeDefined();
      const declared = (
        res.body.paths[p][route.method.toLowerCase()].parameters as { name: string; in: string }[]
      )
        .filter((x) => x.in === 'path')
        .map((x) => x.name)
        .sort();
      expect(declared, p).toEqual([...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
    }
    for (const op of allOperations()) {
      const post = res.body.paths[`/api/databases/{name}/operations/${op.name}`]?.post;
      expect(post, op.name).toBeDefined();
      expect(post.requestBody.content['application/json'].schema.type).toBe('object');
    }
  });
});

describe('search plans', () => {
  it('each kind of search answers exactly what its definition answers, page after page', async () => {
    const { searchDatabases } = await import('../../src/metabase/repositories/databases.js');
    const { searchByDefinition } = await import('../support/search-reference.js');
    const terms = ['bak', 'bakery', 'law', 'dup', 'zzz', 'ery', 'acme', 'M2', 'de-', '-dup-', undefined];
    for (const q of terms) {
      for (const limit of [1, 3, 7]) {
        for (const mode of [undefined, 'trial', 'paid']) {
          let after: string | undefined;
          for (let page = 0; page < 4; page++) {
            const expected = await searchByDefinition(app.metabase, { q, limit, after, mode });
            const found = await searchDatabases(metabaseReads(app.metabase), { q, limit, after, mode });
            expect(names(found), `${q} limit ${limit} mode ${mode} after ${after}`).toEqual(expected);
            if (expected.length < limit) break;
            after = expected[expected.length - 1];
          }
        }
      }
    }
  });
});
