import { z } from 'zod';
import { allOperations } from '../operations/registry.js';
import { errorAnswer, operationAnswer } from './answers.js';
import { isRawAnswer, type AnyRoute, type Answers } from './route.js';

/** A request part's schema: what a client may send (the input side). */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/**
 * An answer's schema: the JSON on the wire, which is also the input side (the server encodes its
 * values through the schema: a date is an ISO string there).
 */
const answerSchema = jsonSchema;

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

const errorStatuses = {
  '400': 'Malformed request',
  '401': 'Not authenticated',
  '403': 'Level too low, or CSRF token missing',
  '404': 'Not found',
  '409': 'Conflict with the database state',
  '422': 'Invalid input or over the level limit',
  '429': 'Too many failed logins',
  '500': 'Internal error (the request id is in the message)',
  '503': 'The platform database cannot be reached right now',
} as const;

const SUCCESS_WORDS: Record<number, string> = { 200: 'OK', 202: 'Accepted: a long job was queued', 206: 'Partial content' };

/** Each status a route answers with its body's schema; every error in the one shared shape. */
function responses(route: AnyRoute | { responses: Answers; auth: string }) {
  const error = { content: { 'application/json': { schema: answerSchema(errorAnswer) } } };
  const out: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(errorStatuses)) {
    // A public route asks no one to sign in.
    if (status === '401' && route.auth === 'public') continue;
    out[status] = { description, ...error };
  }
  for (const [status, answer] of Object.entries(route.responses)) {
    out[status] = isRawAnswer(answer)
      ? {
          description: answer.description,
          content: { [answer.contentType]: { schema: answer.events ? { description: 'Each event’s data', ...answerSchema(answer.events) } : { type: 'string' } } },
        }
      : {
          description: SUCCESS_WORDS[Number(status)] ?? `Status ${status}`,
          content: { 'application/json': { schema: answerSchema(answer) } },
        };
  }
  return out;
}

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
      responses: responses(route),
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
        responses: responses({ auth: 'agent', responses: { 200: operationAnswer } }),
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
