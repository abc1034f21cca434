import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../../src/app.js';
import { instant } from '../../src/api/answers.js';
import { openApiDocument } from '../../src/api/openapi.js';
import { defineRoute, type AnyRoute } from '../../src/api/route.js';
import { routes } from '../../src/api/routes/index.js';
import { createServer } from '../../src/api/server.js';

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };

describe('the API contract', () => {
  it('every route of the OpenAPI document declares the body of each success it answers, and errors in the shared shape', () => {
    const document = openApiDocument(routes as readonly AnyRoute[]);
    const missing: string[] = [];
    let operations = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods as Record<string, Operation>)) {
        operations++;
        const answers = Object.entries(operation.responses ?? {});
        const successes = answers.filter(([status]) => status.startsWith('2'));
        if (successes.length === 0) missing.push(`${method.toUpperCase()} ${path}: no success answer`);
        for (const [status, answer] of answers) {
          const schemas = Object.values(answer.content ?? {}).map((c) => c.schema);
          if (schemas.length === 0 || schemas.some((s) => !s)) missing.push(`${method.toUpperCase()} ${path} ${status}: no schema`);
        }
        const error = operation.responses?.['404']?.content?.['application/json']?.schema as { properties?: object } | undefined;
        expect(Object.keys(error?.properties ?? {}), `${method} ${path}`).toEqual(['error']);
      }
    }
    expect(operations).toBeGreaterThan(routes.length);
    expect(missing).toEqual([]);
  });

  it('a date is an ISO string on the wire, in the document and in the answer', () => {
    const document = openApiDocument(routes as readonly AnyRoute[]);
    const job = (document.paths['/api/jobs/{id}'] as Record<string, Operation>).get.responses!['200'].content!['application/json']
      .schema as { properties: Record<string, { type?: string; format?: string }> };
    expect(job.properties.createdAt).toMatchObject({ type: 'string', format: 'date-time' });
  });

  describe('an answer outside its schema never leaves the server', () => {
    const answerRoute = (value: unknown) =>
      defineRoute({
        method: 'GET',
        url: '/test/answer',
        summary: 'An answer under test',
        tag: 'test',
        auth: 'public',
        responses: { 200: z.object({ name: z.string(), at: instant }) },
        // The value under test is deliberately outside the declared type.
        handler: async () => value as { name: string; at: Date },
      }) as AnyRoute;
    const app = { log: pino({ level: 'silent' }), config: { trustProxy: false } } as unknown as App;

    async function answer(value: unknown) {
      const server = await createServer(app, { routes: [answerRoute(value)] });
      try {
        const res = await server.inject({ method: 'GET', url: '/test/answer' });
        return { status: res.statusCode, body: res.json() as unknown };
      } finally {
        await server.close();
      }
    }

    it('a field of the wrong type is a 500 in the error shape, not the wrong body', async () => {
      const res = await answer({ name: 42, at: new Date() });
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: { code: 'internal' } });
    });

    it('a field missing is a 500', async () => {
      expect((await answer({ at: new Date() })).status).toBe(500);
    });

    it('a field the schema does not name is left out, and a date goes as an ISO string', async () => {
      const at = new Date('2026-01-02T03:04:05.000Z');
      const res = await answer({ name: 'db1', at, password_hash: 'secret' });
      expect(res).toEqual({ status: 200, body: { name: 'db1', at: '2026-01-02T03:04:05.000Z' } });
    });
  });
});
