/**
 * The one way the console talks to the API: the shared client (src/client/api-client.ts) typed by
 * the API's contract, over fetch: JSON in and out, the CSRF token on mutations, and a 401 anywhere
 * sends the agent back to the login page.
 */
import {
  apiClient,
  apiErrorOf,
  ApiError,
  type ApiRequest,
  type CallArgs,
} from '../../src/client/api-client.js';
import type { ApiAnswer, ApiContract, ApiEvent, OperationInput, OperationName } from './types.js';

export { ApiError };

const CSRF_KEY = 'dbtools.csrfToken';

type Listener = () => void;
const expiredListeners = new Set<Listener>();

/** Called when the server says the session is gone (expired, logged out elsewhere). */
export function onSessionExpired(listener: Listener): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

export function csrfToken(): string | null {
  return sessionStorage.getItem(CSRF_KEY);
}

export function rememberCsrfToken(token: string | null): void {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

async function send({ method, path, body }: ApiRequest): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken() ?? '';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/session') {
      rememberCsrfToken(null);
      for (const l of expiredListeners) l();
    }
    throw apiErrorOf(res.status, data, `The server answered ${res.status}.`);
  }
  return data;
}

/** `api.call('GET /api/databases/:name', {params: {name}})`: input and answer typed by the contract. */
export const api = apiClient<ApiContract>(send);

/**
 * A registered operation named in code (not a form built from the catalogue): its input is typed
 * by the operation's schema, so a misspelt operation or field is a compile error.
 */
export function runOperation<N extends OperationName>(database: string, operation: N, input: OperationInput<N>) {
  return api.call('POST /api/databases/:name/operations/:operation', { params: { name: database, operation }, body: input });
}

/** The GET routes that answer a stream of JSON values (their answer declares its `events`), by contract key. */
export type StreamKey = {
  [K in GetKey]: [ApiEvent<K>] extends [never] ? never : K;
}[GetKey];

/**
 * A GET answered as NDJSON (one JSON value a line), each value handed to `onItem` as soon as its
 * line has arrived: a long answer shows its first part while the rest is still on its way. A
 * refusal (non-2xx) is a JSON error, thrown as `api` throws it. `signal` stops reading. Each line
 * is typed by the route's declared events (the client built `path` from the same key).
 */
export async function getStream<K extends StreamKey>(
  _key: K,
  path: string,
  onItem: (item: ApiEvent<K>) => void,
  signal?: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(path, {
      headers: { accept: 'application/x-ndjson' },
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (!res.ok || !res.body) {
    // The refusal itself is JSON: `api` reads it the one way errors are read.
    let data: unknown;
    try {
      data = await res.json();
    } catch {
      // Not JSON (a proxy's error page): the status says enough.
    }
    if (res.status === 401) {
      rememberCsrfToken(null);
      for (const l of expiredListeners) l();
    }
    throw apiErrorOf(res.status, data, `The server answered ${res.status}.`);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending += value;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line) onItem(JSON.parse(line) as ApiEvent<K>);
    }
  }
  if (pending) onItem(JSON.parse(pending) as ApiEvent<K>);
}

/** The routes a page reads (GET), by their contract key. */
export type GetKey = Extract<keyof ApiContract, `GET ${string}`>;

/** Reads a GET route at an already built path (the client built it from the route's key). */
export function getPath<K extends GetKey>(_key: K, path: string): Promise<ApiAnswer<K>> {
  return send({ method: 'GET', path }) as Promise<ApiAnswer<K>>;
}

export type { CallArgs };

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
