import { z } from 'zod';
import { allOperations } from '../operations/registry.js';
import type { AnyRoute } from './route.js';

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}');
}

function parameters(route: AnyRoute) {
  const out: Record<string, unknown>[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema as z.ZodType) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || !!js.required?.includes(name), schema: s });
    }
  }
  return out;
}

const responses = {
  '200': { description: 'OK' },
  '400': { description: 'Malformed request', content: { 'application/json': { schema: errorSchema } } },
  '401': { description: 'Not authenticated', content: { 'application/json': { schema: errorSchema } } },
  '403': { description: 'Level too low, or CSRF token missing', content: { 'application/json': { schema: errorSchema } } },
  '404': { description: 'Not found', content: { 'application/json': { schema: errorSchema } } },
  '409': { description: 'Conflict with the database state', content: { 'application/json': { schema: errorSchema } } },
  '422': { description: 'Invalid input or over the level limit', content: { 'application/json': { schema: errorSchema } } },
  '429': { description: 'Too many failed logins', content: { 'application/json': { schema: errorSchema } } },
};

/** OpenAPI 3.1, generated from the route schemas and the operation registry. */
export function openApiDocument(routes: readonly AnyRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const p = (paths[openApiPath(route.url)] ??= {});
    p[route.method.toLowerCase()] = {
      summary: route.summary,
      ...(route.access ? { description: `Access key: \`${route.access}\`.` } : {}),
      tags: [route.tag],
      security: route.auth === 'agent' ? [{ bearer: [] }, { cookie: [] }] : [],
      parameters: parameters(route),
      ...(route.body && route.url !== '/api/databases/:name/operations/:operation'
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body as z.ZodType) } } } }
        : {}),
      responses,
    };
  }
  // One explicit path per operation, so clients see each input schema.
  for (const op of allOperations()) {
    const input = jsonSchema(op.input) as { properties?: Record<string, unknown>; required?: string[] };
    if (op.needsValidation) {
      input.properties = { ...(input.properties ?? {}), validation: { type: 'string', description: 'Validation number shown on the Tools page' } };
      input.required = [...(input.required ?? []), 'validation'];
    }
    paths[`/api/databases/{name}/operations/${op.name}`] = {
      post: {
        summary: op.title,
        description: `${op.summary} Access key: \`${op.access}\`.`,
        tags: ['operations'],
        security: [{ bearer: [] }, { cookie: [] }],
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: input } } },
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'dbtools', version: '0.1.0', description: 'Support console and control plane for hosted Odoo databases' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'dbtools_session' },
      },
    },
    paths,
  };
}
