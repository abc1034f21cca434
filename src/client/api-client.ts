/**
 * The one client of the dbtools HTTP API, for the console (in the browser), the CLI and the tests:
 * a route is named by its contract key (`'GET /api/databases/:name'`), and its params, query, body
 * and answer take their types from the contract (src/api/contract.ts, derived from the routes).
 * Plain code with no import at run time, so the browser bundle takes it without any server code;
 * each caller brings its transport (cookies and CSRF token, a Bearer token, a test's session).
 */

/** One route of a contract: what it takes and what it answers on success. */
export interface ContractEntry {
  params: unknown;
  query: unknown;
  body: unknown;
  response: unknown;
  /** For an event stream: each event's data. */
  events: unknown;
}

/** A part of the request: absent when the route takes none, optional when every field of it is. */
type Part<Name extends string, T> = [T] extends [never]
  ? unknown
  : object extends NonNullable<T>
    ? { [K in Name]?: T }
    : { [K in Name]: T };

export type CallInput<E extends ContractEntry> = Part<'params', E['params']> & Part<'query', E['query']> & Part<'body', E['body']>;

/** The input argument, which may be left out when nothing in it is required. */
export type CallArgs<E extends ContractEntry> = object extends CallInput<E> ? [input?: CallInput<E>] : [input: CallInput<E>];

export type Method = 'GET' | 'POST' | 'DELETE';

/** A call made concrete: what goes on the wire. */
export interface ApiRequest {
  method: Method;
  path: string;
  body?: unknown;
}

interface LooseInput {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

function queryString(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    for (const v of [value].flat()) {
      if (v === undefined || v === null) continue;
      search.append(name, v instanceof Date ? v.toISOString() : String(v));
    }
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

/** The method, path (params encoded, query appended) and body of a call. */
export function requestOf(key: string, input: LooseInput = {}): ApiRequest {
  const [method, pattern] = key.split(' ') as [Method, string];
  const path = pattern.replace(/:(\w+)/g, (_, name: string) => {
    const value = input.params?.[name];
    if (value === undefined || value === null || value === '') throw new Error(`${key}: no value for :${name}`);
    return encodeURIComponent(String(value));
  });
  return { method, path: path + queryString(input.query), ...(input.body !== undefined && { body: input.body }) };
}

/** A refusal or failure answered by the API (`{error: {code, message}}`), or a transport's own. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The API's error shape read from an answer's JSON, with `fallback` when it is not there. */
export function apiErrorOf(status: number, data: unknown, fallback: string): ApiError {
  const error = (data as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return new ApiError(
    status,
    typeof error?.code === 'string' ? error.code : 'http_' + status,
    typeof error?.message === 'string' ? error.message : fallback,
  );
}

/** Sends one request and answers its JSON, throwing an ApiError when the API refuses. */
export type Transport = (request: ApiRequest) => Promise<unknown>;

/** A contract: each route's key (`'GET /api/me'`) and what it takes and answers. */
export type Contract<C> = { [K in keyof C]: ContractEntry };

export interface ApiClient<C extends Contract<C>> {
  /** Calls a route and answers its JSON as the contract types it. */
  call<K extends keyof C & string>(key: K, ...args: CallArgs<C[K]>): Promise<C[K]['response']>;
  /** The path of a route (an event stream to open, a link): params encoded, query appended. */
  path<K extends keyof C & string>(key: K, ...args: CallArgs<C[K]>): string;
  /** The request a call makes, for a caller that sends it its own way (a test reading the status too). */
  request<K extends keyof C & string>(key: K, ...args: CallArgs<C[K]>): ApiRequest;
}

export function apiClient<C extends Contract<C>>(send: Transport): ApiClient<C> {
  return {
    // The contract's types say what goes in and comes out; at run time a call is its request.
    call: (key, ...args) => send(requestOf(key, args[0] as LooseInput | undefined)) as never,
    path: (key, ...args) => requestOf(key, args[0] as LooseInput | undefined).path,
    request: (key, ...args) => requestOf(key, args[0] as LooseInput | undefined),
  };
}
