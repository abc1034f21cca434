import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { App } from '../app.js';
import type { AgentRow } from '../metabase/schema.js';

type Shape = z.ZodType<Record<string, unknown>>;

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
 * A route: its schemas validate the request and feed the OpenAPI document. Handlers stay a
 * few lines: parse, call one service or operation, return.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown, Auth extends 'public' | 'agent' = 'public' | 'agent'> {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  auth: Auth;
  /**
   * The access-map key the caller's level must reach, checked by the server before the
   * handler (the same `policy.require` the operation registry uses). Absent: any signed-in
   * agent; routes whose rule depends on the target (an operation) check it through the registry.
   */
  access?: Auth extends 'agent' ? string : never;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Answered as is, not as JSON (metrics, event streams, downloads). */
  raw?: boolean;
  handler(ctx: RouteContext<P, Q, B, Auth extends 'agent' ? AgentRow : AgentRow | undefined>): Promise<unknown>;
}

export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined, Auth extends 'public' | 'agent' = 'agent'>(
  spec: RouteSpec<P, Q, B, Auth>,
): RouteSpec<P, Q, B, Auth> {
  return spec;
}

// Erases the generics so routes of every shape fit in one list.
export type AnyRoute = RouteSpec<never, never, never, 'public' | 'agent'>;
export type { Shape };
