import { z } from 'zod';

/**
 * Pieces of the API's answers several routes share. A schema's output side is what a handler
 * returns, its input side the JSON a client reads (the server encodes through it): an instant is
 * a Date in the handler and an ISO 8601 string on the wire.
 */
export const instant = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

/** Every refusal and failure, whatever the route: the shape src/api/server.ts's error handler sends. */
export const errorAnswer = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const okAnswer = z.object({ ok: z.literal(true) });

/** `GET /api/me`, and the agent of `POST /api/session`. */
export const agentAnswer = z.object({ login: z.string(), name: z.string(), level: z.number().int(), levelName: z.string() });

const jobState = z.enum(['queued', 'running', 'completed', 'failed']);

/** A long job as agents see it (src/jobs/enqueue.ts publicJob). */
export const jobAnswer = z.object({
  id: z.number().int(),
  kind: z.string(),
  database: z.string().nullable(),
  state: jobState,
  progress: z.number(),
  step: z.string().nullable(),
  eta: instant.nullable(),
  // What the job's kind answers: its own shape, written by the job (see each job definition).
  result: z.unknown(),
  error: z.string().nullable(),
  createdAt: instant,
  finishedAt: instant.nullable(),
});

/**
 * An operation that queued a long job answers the job, and what the agent needs next: the copy's
 * name (duplicate), the day it will be removed (drop), the upgrade request's id (request-upgrade).
 */
export const queuedJobAnswer = z.object({
  job: jobAnswer,
  name: z.string().optional(),
  removalDate: instant.optional(),
  request: z.number().int().optional(),
});

/**
 * What running an operation answers: a long one its queued job, the others their result, each in
 * its own shape (the operation's run, src/operations/).
 */
export const operationAnswer = z.union([queuedJobAnswer, z.object({ result: z.unknown() })]);
