import { baseUrl } from './platform.js';
import { DEMO_PASSWORD } from './env.js';

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

// Test bodies read fields of whatever the API answered; the tests assert their shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * An HTTP client holding one agent's session cookie and CSRF token, like the browser does.
 * It talks to the suite's server, or to `base` (a server process of a test's own).
 */
export class AgentSession {
  constructor(
    readonly cookie: string,
    readonly csrfToken: string,
    readonly base?: string,
  ) {}

  static async login(login: string, password = DEMO_PASSWORD, base?: string): Promise<AgentSession> {
    const res = await call('POST', '/api/session', { body: { login, password }, base });
    if (res.status !== 200) throw new Error(`login ${login}: ${res.status} ${JSON.stringify(res.body)}`);
    const cookie = res.headers.get('set-cookie')!.split(';')[0];
    return new AgentSession(cookie, (res.body as { csrfToken: string }).csrfToken, base);
  }

  get<T = Json>(path: string): Promise<Answer<T>> {
    return call<T>('GET', path, { headers: { cookie: this.cookie }, base: this.base });
  }

  post<T = Json>(path: string, body: unknown = {}): Promise<Answer<T>> {
    return call<T>('POST', path, {
      body,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrfToken },
      base: this.base,
    });
  }

  run<T = Json>(database: string, operation: string, input: unknown = {}): Promise<Answer<T>> {
    return this.post<T>(
      `/api/databases/${encodeURIComponent(database)}/operations/${encodeURIComponent(operation)}`,
      input,
    );
  }
}

export async function call<T = Json>(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; rawBody?: string; base?: string } = {},
): Promise<Answer<T>> {
  const hasBody = opts.body !== undefined || opts.rawBody !== undefined;
  const res = await fetch((opts.base ?? baseUrl()) + path, {
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
