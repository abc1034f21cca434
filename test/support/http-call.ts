/** One HTTP call to a dbtools server and its answer, JSON parsed when it is JSON (no test runner needed: the bench uses it too). */
export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

// Test bodies read fields of whatever the API answered; the tests assert their shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function callAt<T = Json>(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<Answer<T>> {
  const hasBody = opts.body !== undefined || opts.rawBody !== undefined;
  const res = await fetch(base + path, {
    method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.rawBody ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (metrics, HTML): keep the text.
  }
  return { status: res.status, body: body as T, headers: res.headers };
}
