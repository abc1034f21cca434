import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, refusedRequestValue } from '../../src/api/request-text.js';

describe('request values refused at the door', () => {
  it('text PostgreSQL cannot store is found in nested JSON values and keys', () => {
    expect(refusedRequestValue({ a: [{ b: 'x\u0000y' }] }, 'body')).toMatch(/^Invalid body\.a\[0\]\.b: .*NUL/);
    expect(refusedRequestValue({ ['k\ud800']: 1 }, 'body')).toMatch(/^Invalid body\.k\ud800: /);
    expect(refusedRequestValue({ ok: 'emoji 😀 fine' }, 'body')).toBeUndefined();
  });

  it(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused, up to that depth it passes`, () => {
    const nest = (n: number): unknown => (n === 0 ? 'leaf' : [nest(n - 1)]);
    expect(refusedRequestValue(nest(MAX_JSON_DEPTH), 'body')).toBeUndefined();
    expect(refusedRequestValue(nest(MAX_JSON_DEPTH + 1), 'body')).toMatch(/nested deeper than/);
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = { a: deep };
    expect(refusedRequestValue(deep, 'body')).toMatch(/nested deeper than/);
  });

  it('leaves a streamed upload alone instead of walking its buffers', () => {
    const upload = Readable.from([Buffer.alloc(1024 * 1024, 0)]);
    const started = Date.now();
    expect(refusedRequestValue(upload, 'body')).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('query strings', () => {
  it("a NUL in Fastify's parsed query (an object with a prototype of its own) is found", () => {
    const query = Object.create({ inherited: true }) as Record<string, unknown>;
    query.q = 'a\u0000b';
    expect(refusedRequestValue(query, 'query')).toMatch(/^Invalid query\.q: /);
  });
});
