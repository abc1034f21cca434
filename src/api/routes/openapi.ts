import { z } from 'zod';
import { openApiDocument } from '../openapi.js';
import { defineRoute, type AnyRoute } from '../route.js';

/**
 * The document of every route, this one included: the list is handed in (read when asked) rather
 * than imported, since the list imports this route.
 */
export function openApiRoute(documented: () => readonly AnyRoute[]) {
  return defineRoute({
    method: 'GET',
    url: '/api/openapi.json',
    summary: 'This API as OpenAPI 3.1',
    tag: 'system',
    auth: 'public',
    // The document's own schema is OpenAPI's: its top-level fields are named, the rest passes as built.
    responses: { 200: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }) },
    handler: async () => openApiDocument(documented()),
  });
}
