import type { z } from 'zod';
import type { RawAnswer, RouteSpec } from './route.js';
import type { operations } from '../operations/index.js';
import type { routes } from './routes/index.js';

/** What a client sends for a request part: the schema's input side (the server parses it). */
type Sent<S> = S extends z.ZodType ? z.input<S> : never;

/** The JSON a client reads for each success status: the schemas' input (wire) side. */
type Received<R> = {
  [S in keyof R]: S extends 200 | 201 | 202 ? (R[S] extends z.ZodType ? z.input<R[S]> : never) : never;
}[keyof R];

type EntryOf<Route> =
  Route extends RouteSpec<infer _M, infer _U, infer PS, infer QS, infer BS, infer R>
    ? {
        params: Sent<PS>;
        query: Sent<QS>;
        body: Sent<BS>;
        response: Received<R>;
        events: { [S in keyof R]: R[S] extends RawAnswer & { events: infer E } ? (E extends z.ZodType ? z.input<E> : never) : never }[keyof R];
      }
    : never;

type Route = (typeof routes)[number];

/**
 * The HTTP API as one type, derived from the routes themselves: `'GET /api/databases/:name'` →
 * what its params, query and body take and what it answers. The console, the CLI and the tests
 * call the API through src/client/api-client.ts typed by this, so a path is never paired with a
 * type by hand and a changed answer is a compile error in every client.
 */
export type ApiContract = {
  [R in Route as `${R['method']} ${R['url']}`]: EntryOf<R>;
};

/** The JSON a route answers on success. */
export type ApiAnswer<K extends keyof ApiContract> = ApiContract[K]['response'];

/** For a stream (server-sent events, NDJSON), the JSON of each event or line: its route's `events` schema. */
export type ApiEvent<K extends keyof ApiContract> = ApiContract[K]['events'];

type RegisteredOperation = (typeof operations)[number];

/**
 * Each registered operation by name: the body `POST /api/databases/:name/operations/:operation`
 * takes for it (its input schema's input side) and what the route answers. An operation's `run`
 * answers `unknown` (no operation declares its result), so `answer` is the route's own: a queued
 * job's `{job}` or `{result}` with the result untyped.
 */
export type OperationContract = {
  [O in RegisteredOperation as O['name']]: {
    input: z.input<O['input']>;
    answer: ApiAnswer<'POST /api/databases/:name/operations/:operation'>;
  };
};

/** A registered operation's name. */
export type OperationName = keyof OperationContract;

/** What an operation takes: the body of its call. */
export type OperationInput<N extends OperationName> = OperationContract[N]['input'];
