import { baseUrl } from './platform.js';
import { DEMO_PASSWORD } from './env.js';
import { callAt, type Answer, type Json } from './http-call.js';

export type { Answer };

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

export function call<T = Json>(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; rawBody?: string; base?: string } = {},
): Promise<Answer<T>> {
  return callAt<T>(opts.base ?? baseUrl(), method, path, opts);
}
