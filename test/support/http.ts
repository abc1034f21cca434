import type { ApiAnswer, ApiContract, OperationInput, OperationName } from '../../src/api/contract.js';
import { apiClient, type CallArgs } from '../../src/client/api-client.js';
import { baseUrl } from './platform.js';
import { DEMO_PASSWORD } from './env.js';
import { callAt, type Answer, type Json } from './http-call.js';

export type { Answer };

/**
 * The API's requests by contract key; a test sends them itself, to read the status and headers
 * of refusals as well.
 */
const contract = apiClient<ApiContract>(async () => {
  throw new Error('A test session sends the requests itself.');
});

/** An operation's body: its input, with the validation number the destructive ones ask for; left out when nothing in it is required. */
type Validation = { validation?: string | number };
// z.object({}) takes `Record<string, never>`: such an operation's body is the validation number alone.
type RunBody<N extends OperationName> = string extends keyof OperationInput<N> ? Validation : OperationInput<N> & Validation;
export type RunInput<N extends OperationName> = object extends RunBody<N> ? [input?: RunBody<N>] : [input: RunBody<N>];

/**
 * An HTTP client holding one agent's session cookie and CSRF token, like the browser does.
 * It talks to the suite's server, or to `base` (a server process of a test's own).
 * `call` names a route by its contract key and types the answer as the route's success;
 * `get`/`post` take any path, for what the contract does not allow (malformed requests).
 */
export class AgentSession {
  constructor(
    readonly cookie: string,
    readonly csrfToken: string,
    readonly base?: string,
  ) {}

  static async login(login: string, password = DEMO_PASSWORD, base?: string): Promise<AgentSession> {
    const { method, path, body } = contract.request('POST /api/session', { body: { login, password } });
    const res = await call<ApiAnswer<'POST /api/session'>>(method, path, { body, base });
    if (res.status !== 200) throw new Error(`login ${login}: ${res.status} ${JSON.stringify(res.body)}`);
    const cookie = res.headers.get('set-cookie')!.split(';')[0];
    return new AgentSession(cookie, res.body.csrfToken, base);
  }

  /** A route by its contract key: on a success the body is what the route answers (a refusal: `{error}`). */
  call<K extends keyof ApiContract>(key: K, ...args: CallArgs<ApiContract[K]>): Promise<Answer<ApiAnswer<K>>> {
    const { method, path, body } = contract.request(key, ...args);
    return method === 'GET' ? this.get(path) : this.send(method, path, body);
  }

  get<T = Json>(path: string): Promise<Answer<T>> {
    return call<T>('GET', path, { headers: { cookie: this.cookie }, base: this.base });
  }

  post<T = Json>(path: string, body: unknown = {}): Promise<Answer<T>> {
    return this.send<T>('POST', path, body);
  }

  private send<T>(method: string, path: string, body: unknown): Promise<Answer<T>> {
    return call<T>(method, path, {
      body,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrfToken },
      base: this.base,
    });
  }

  /**
   * A registered operation by name, its input typed by the operation's schema (plus the
   * validation number destructive operations ask for): a misspelt operation or input field is a
   * compile error. The answer stays loose JSON: no operation declares what its run answers.
   */
  run<N extends OperationName>(database: string, operation: N, ...input: RunInput<N>): Promise<Answer<Json>> {
    return this.runUntyped(database, operation, input[0] ?? {});
  }

  /**
   * Any operation name and any body, for what the types forbid on purpose (an unknown operation,
   * hostile input, every operation of the registry in a loop).
   */
  runUntyped<T = Json>(database: string, operation: string, input: unknown = {}): Promise<Answer<T>> {
    const { path } = contract.request('POST /api/databases/:name/operations/:operation', { params: { name: database, operation } });
    return this.post<T>(path, input);
  }
}

export function call<T = Json>(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; rawBody?: string; base?: string } = {},
): Promise<Answer<T>> {
  return callAt<T>(opts.base ?? baseUrl(), method, path, opts);
}
