// A NUL character or a lone UTF-16 surrogate cannot be stored by PostgreSQL (text or jsonb):
// refused at the door, they are a 400 instead of a failed query.
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isJsonContainer(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}

/**
 * JSON nested deeper than this is refused: no form or script of ours nests past a handful of
 * levels, and every recursive walk (validation, the support-log entry, logging) stays bounded.
 */
export const MAX_JSON_DEPTH = 32;

type Refusal = { path: string; reason: 'unstorable' | 'too-deep' };

function firstRefusal(value: unknown, where: string, depth: number, anyObject = false): Refusal | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? { path: where, reason: 'unstorable' } : undefined;
  if (!value || typeof value !== 'object' || !(anyObject || isJsonContainer(value))) return undefined;
  if (depth >= MAX_JSON_DEPTH) return { path: where, reason: 'too-deep' };
  for (const [k, v] of Object.entries(value)) {
    const path = Array.isArray(value) ? `${where}[${k}]` : `${where}.${k}`;
    if (UNSTORABLE.test(k)) return { path, reason: 'unstorable' };
    const found = firstRefusal(v, path, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * Why a parsed request value (path, query or JSON body) is refused before any route sees it:
 * text PostgreSQL cannot store (keys included), or nesting deeper than MAX_JSON_DEPTH. Only
 * JSON's own shapes are walked: a streamed body (an upload) is a Readable whose buffers and
 * back-references must not be traversed.
 */
export function refusedRequestValue(value: unknown, where: string): string | undefined {
  // Fastify's query and path objects have a prototype of their own; only a body can be a stream.
  const found = firstRefusal(value, where, 0, where !== 'body');
  if (!found) return undefined;
  return found.reason === 'too-deep'
    ? `Invalid ${where}: JSON may not be nested deeper than ${MAX_JSON_DEPTH} levels.`
    : `Invalid ${found.path}: text may not hold NUL characters or unpaired surrogates.`;
}

/** A JSON value (what Fastify's JSON parser gives), not a stream or a buffer another parser gave. */
export function isJsonValue(value: unknown): boolean {
  return value === null || typeof value !== 'object' || isJsonContainer(value);
}
