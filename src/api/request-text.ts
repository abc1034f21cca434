// A NUL character or a lone UTF-16 surrogate cannot be stored by PostgreSQL (text or jsonb):
// refused at the door, they are a 400 instead of a failed query.
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isJsonContainer(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}

/**
 * The first place in a parsed JSON request value (keys included) holding text PostgreSQL cannot
 * store. Only JSON's own shapes are walked: a streamed body (an upload) is a Readable whose
 * buffers and back-references must not be traversed.
 */
export function unstorableText(value: unknown, where: string, depth = 0): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? where : undefined;
  if (!value || typeof value !== 'object' || depth > 64 || !isJsonContainer(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const path = Array.isArray(value) ? `${where}[${k}]` : `${where}.${k}`;
    if (UNSTORABLE.test(k)) return path;
    const found = unstorableText(v, path, depth + 1);
    if (found) return found;
  }
  return undefined;
}
