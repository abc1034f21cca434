import { describe, expect, test } from 'vitest';
import { call } from '../support/http.js';
import { baseUrl } from '../support/platform.js';

describe('the web console is served by the API server', () => {
  test('client routes get index.html, which loads its scripts from files only (the CSP allows no inline script)', async () => {
    for (const path of ['/', '/login', '/databases/acme-bakery', '/policy']) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = res.body as string;
      expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[\w-]+\.js"><\/script>/);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
    const csp = (await call('GET', '/')).headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  test('unknown API, health and metrics paths answer the JSON 404, never the console', async () => {
    for (const path of ['/api/nope', '/api/', '/healthz/x', '/metrics/x']) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(404);
      expect((res.body as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  test('a missing asset is a 404 and a path outside the build is refused', async () => {
    expect((await call('GET', '/assets/missing-123.js')).status).toBe(404);
    const escape = await fetch(baseUrl() + '/%2e%2e/package.json');
    expect([403, 404]).toContain(escape.status);
  });
});
