import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import { z } from 'zod';
import type { App } from '../app.js';
import {
  BadRequest,
  DomainError,
  isDatabaseUnreachable,
  Invalid,
  NotAllowed,
  TooManyRequests,
  Unauthenticated,
  UnsupportedMediaType,
} from '../errors.js';
import type { AgentRow } from '../metabase/schema.js';
import { formatZodError } from '../operations/execute.js';
import { SESSION_COOKIE, sameSecret, sessionAgent, tokenAgent } from './auth.js';
import { requestDuration } from '../observability/metrics.js';
import { isJsonValue, refusedRequestValue } from './request-text.js';
import { isRawAnswer, isRawRoute, type AnyRoute } from './route.js';
import { routes } from './routes/index.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ServerOptions {
  /** Extra routes or static files (the web console registers itself here). */
  plugins?: ((server: FastifyInstance) => Promise<void>)[];
  /** The routes to serve: all of them unless a test serves its own. */
  routes?: readonly AnyRoute[];
}

/** Who is calling: a Bearer token (CLI, scripts) or a session cookie plus its CSRF token. */
async function authenticate(app: App, request: FastifyRequest): Promise<AgentRow> {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const agent = await tokenAgent(app, header.slice(7).trim());
    if (!agent) throw new Unauthenticated('This API token is unknown, expired or revoked.');
    return agent;
  }
  const cookieValue = request.cookies[SESSION_COOKIE];
  if (!cookieValue) throw new Unauthenticated();
  const session = await sessionAgent(app, cookieValue);
  if (!session) throw new Unauthenticated('Your session expired: log in again.');
  if (MUTATING.has(request.method)) {
    const sent = request.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !sameSecret(sent, session.csrfToken)) {
      throw new NotAllowed('Missing or wrong X-CSRF-Token header.');
    }
  }
  return session.agent;
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new Invalid(`Invalid ${where}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request line or headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive.'],
};

function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Malformed HTTP request.'];
  const body = JSON.stringify({ error: { code: 'bad_request', message } });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  } else socket.destroy(error);
}

export async function createServer(app: App, options: ServerOptions = {}): Promise<FastifyInstance> {
  const server = Fastify({
    loggerInstance: app.log as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // DBTOOLS_TRUST_PROXY: behind a TLS proxy, the client's address and protocol come from it.
    trustProxy: app.config.trustProxy,
    // Requests Node's parser refuses (a request line or headers over 16 KB...) keep the error shape too.
    clientErrorHandler: answerClientError,
    // Refusals Fastify makes before any route runs (an undecodable URL...) keep the error shape.
    frameworkErrors: (error, _request, reply) => {
      // The option's reply type is generic over the route; this answer fits every route.
      void (reply as unknown as FastifyReply).status(400).send({ error: { code: 'bad_request', message: error.message } });
    },
  });

  await server.register(cookie);
  // Uploads (import-dump) reach their route as a stream: never buffered, size-limited there.
  server.addContentTypeParser(['application/zip', 'application/octet-stream'], (_request, payload, done) => done(null, payload));
  await server.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // helmet's default would send the console's own scripts to https:// when served over plain http.
        upgradeInsecureRequests: null,
      },
    },
    frameguard: { action: 'deny' },
  });

  server.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  server.addHook('onResponse', async (request, reply) => {
    requestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  server.setErrorHandler((error, request, reply) => {
    if (error instanceof DomainError) {
      if (error instanceof TooManyRequests && error.retryAfterSeconds)
        reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.status(error.status).send({ error: { code: error.code, message: error.message } });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      // Fastify's own refusals: malformed JSON, body too large, wrong content type...
      return reply.status(status).send({ error: { code: 'bad_request', message: (error as Error).message } });
    }
    if (isDatabaseUnreachable(error)) {
      // PostgreSQL stopped or restarting: the request may succeed in a moment, nothing is broken here.
      request.log.warn({ err: (error as Error).message }, 'database unreachable');
      return reply
        .status(503)
        .header('retry-after', '5')
        .send({ error: { code: 'unavailable', message: 'The platform database cannot be reached right now; try again in a moment.' } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'Internal error; the request id is ' + request.id } });
  });
  server.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` } }),
  );

  registerRoutes(server, app, options.routes ?? (routes as readonly AnyRoute[]));
  for (const plugin of options.plugins ?? []) await plugin(server);
  return server;
}

/**
 * A handler's value sent through its route's schema for the status it answers: a field the
 * schema does not name is left out (no column leaks), dates become ISO strings, and a value the
 * schema refuses is a contract broken, answered 500 and logged, never sent as it is.
 */
function answerOf(route: AnyRoute, status: number, value: unknown): unknown {
  const answer = route.responses[status];
  if (!answer || isRawAnswer(answer)) {
    throw new Error(`${route.method} ${route.url} answered ${status}, which it does not declare as JSON`);
  }
  const encoded = answer.safeEncode(value as never);
  if (!encoded.success) {
    throw new Error(`${route.method} ${route.url} answered ${status} outside its schema: ${formatZodError(encoded.error)}`);
  }
  return encoded.data;
}

/** The routes on the server: who calls, what they may, the request parsed, the answer checked. */
function registerRoutes(server: FastifyInstance, app: App, list: readonly AnyRoute[]): void {
  for (const route of list) {
    const raw = isRawRoute(route);
    server.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        const agent = route.auth === 'agent' ? await authenticate(app, request) : undefined;
        if (agent && route.access) app.policy.require(agent.level, route.access, `${route.method} ${route.url}`);
        for (const [where, value] of [['path', request.params], ['query', request.query], ['body', request.body]] as const) {
          const refused = refusedRequestValue(value, where);
          if (refused) throw new BadRequest(refused);
        }
        if (route.body && request.body === undefined && route.method !== 'GET') {
          throw new BadRequest('This request needs a JSON body.');
        }
        // An upload content type (zip, octet-stream) arrives as a stream: only upload routes take one.
        if (route.body && !isJsonValue(request.body)) throw new UnsupportedMediaType();
        const result = await route.handler({
          app,
          agent: agent as never,
          params: parse(route.params, request.params, 'path') as never,
          query: parse(route.query, request.query, 'query') as never,
          body: parse(route.body, request.body, 'body') as never,
          request,
          reply,
        });
        if (raw) return reply;
        return answerOf(route, reply.statusCode, result);
      },
    });
  }
}
