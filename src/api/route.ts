import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { App } from '../app.js';
import type { AgentRow } from '../metabase/schema.js';

type Shape = z.ZodType<Record<string, unknown>>;

export type Method = 'GET' | 'POST' | 'DELETE';

export interface RouteContext<P, Q, B, A> {
  app: App;
  agent: A;
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * A body the handler writes itself, not JSON (an event stream, a download, metrics): its media
 * type, in words what it holds, and for an event stream the schema of each event's `data`.
 */
export interface RawAnswer {
  raw: true;
  contentType: string;
  description: string;
  events?: z.ZodType;
}

/**
 * A raw answer; with `events`, its schema's own type is kept (not widened to z.ZodType), so the
 * contract (src/api/contract.ts) types each event or NDJSON line a client reads from it.
 */
export function rawAnswer(contentType: string, description: string): RawAnswer;
export function rawAnswer<E extends z.ZodType>(
  contentType: string,
  description: string,
  events: E,
): RawAnswer & { events: E };
export function rawAnswer(contentType: string, description: string, events?: z.ZodType): RawAnswer {
  return { raw: true, contentType, description, ...(events && { events }) };
}

export function isRawAnswer(answer: unknown): answer is RawAnswer {
  return typeof answer === 'object' && answer !== null && (answer as RawAnswer).raw === true;
}

/**
 * What a route answers, by status: a zod schema of the JSON body, or a raw body. Errors are not
 * listed: every route answers them in the one `{error: {code, message}}` shape (src/api/answers.ts).
 * A schema's output side is what the handler returns (dates as Date); its input side is the JSON
 * on the wire that clients read (dates as ISO strings): the server encodes through the schema.
 */
export type Answers = { readonly [status: number]: z.ZodType | RawAnswer };

/** The values a handler may return: the output side of each JSON answer; anything for a raw one. */
type HandlerAnswer<R extends Answers> = {
  [S in keyof R]: R[S] extends z.ZodType ? z.output<R[S]> : R[S] extends RawAnswer ? unknown : never;
}[keyof R];

type Parsed<S, Absent> = S extends z.ZodType ? z.output<S> : Absent;

/**
 * A route: its schemas validate the request, check and shape the answer, feed the OpenAPI document
 * and type the client (src/api/contract.ts). Handlers stay a few lines: parse, call one service or
 * operation, return.
 */
export interface RouteSpec<
  M extends Method = Method,
  U extends string = string,
  PS extends z.ZodType | undefined = z.ZodType | undefined,
  QS extends z.ZodType | undefined = z.ZodType | undefined,
  BS extends z.ZodType | undefined = z.ZodType | undefined,
  R extends Answers = Answers,
  Auth extends 'public' | 'agent' = 'public' | 'agent',
> {
  method: M;
  url: U;
  summary: string;
  tag: string;
  auth: Auth;
  /**
   * The access-map key the caller's level must reach, checked by the server before the
   * handler (the same `policy.require` the operation registry uses). Absent: any signed-in
   * agent; routes whose rule depends on the target (an operation) check it through the registry.
   */
  access?: Auth extends 'agent' ? string : never;
  params?: PS;
  query?: QS;
  body?: BS;
  responses: R;
  handler(
    ctx: RouteContext<
      Parsed<PS, Record<string, never>>,
      Parsed<QS, Record<string, never>>,
      Parsed<BS, undefined>,
      Auth extends 'agent' ? AgentRow : AgentRow | undefined
    >,
  ): Promise<HandlerAnswer<R>>;
}

export function defineRoute<
  const M extends Method,
  const U extends string,
  R extends Answers,
  PS extends z.ZodType | undefined = undefined,
  QS extends z.ZodType | undefined = undefined,
  BS extends z.ZodType | undefined = undefined,
  Auth extends 'public' | 'agent' = 'agent',
>(spec: RouteSpec<M, U, PS, QS, BS, R, Auth>): RouteSpec<M, U, PS, QS, BS, R, Auth> {
  return spec;
}

/** A route whose answer is written by its handler (no JSON body to check). */
export function isRawRoute(route: AnyRoute): boolean {
  return Object.values(route.responses).some(isRawAnswer);
}

// Erases the generics so routes of every shape fit in one list.
export type AnyRoute = Omit<RouteSpec, 'handler'> & {
  handler(ctx: RouteContext<never, never, never, never>): Promise<unknown>;
};
export type { Shape };
