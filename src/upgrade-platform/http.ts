import type { Server as HttpsServer } from 'node:https';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyHttpsOptions,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { errorBody, PlatformError } from './errors.js';
import { requestPage } from './page.js';
import type { UpgradeService } from './service.js';

const rpcBody = z.object({
  jsonrpc: z.literal('2.0').optional(),
  method: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  id: z.union([z.number(), z.string(), z.null()]).optional(),
});

/**
 * The upgrade platform's HTTP API, as Odoo's upgrade client speaks it: JSON-RPC 2.0 calls under
 * /upgrade/request/ (`create` with one of our API keys, every later one with the request's
 * token), the log by byte range, and ours beside it (cancel, the request page, /healthz).
 * Routes only parse and answer; UpgradeService does the work. The same routes answer on the
 * platform's base URL (HTTP on loopback) and on the assigned host (HTTPS).
 */
export async function createUpgradeServer(
  /** The service, or how to get it once it exists (the assigned host listens before the service knows its address). */
  serviceOrLater: UpgradeService | (() => UpgradeService),
  log: Logger,
  serverOptions: { https?: { cert: Buffer; key: Buffer } } = {},
): Promise<FastifyInstance> {
  const service = () => (typeof serviceOrLater === 'function' ? serviceOrLater() : serviceOrLater);
  const options: FastifyServerOptions = {
    // Requests are not logged one by one (the upgrade log tells what happened); warnings and errors are.
    loggerInstance: log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  };
  // One instance type for both: the routes below use nothing that differs between HTTP and HTTPS.
  const server = (
    serverOptions.https ? Fastify({ ...options, https: serverOptions.https } as FastifyHttpsOptions<HttpsServer, FastifyBaseLogger>) : Fastify(options)
  ) as unknown as FastifyInstance;

  server.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof PlatformError) return reply.code(error.status).send({ error: errorBody(error) });
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'upgrade platform error');
    return reply.code(status).send({ error: transportError(status === 500 ? 'Internal error of the upgrade platform' : error.message) });
  });

  server.get('/healthz', async () => ({ status: 'ok' }));

  /** Methods that need the request's token; `create` needs an API key instead. */
  const methods: Record<string, (params: unknown) => Promise<unknown>> = {
    'transfer/start': (p) => service().transferStart(p),
    'transfer/stop': (p) => service().transferStop(p),
    process: (p) => service().process(p),
    status: (p) => service().status(p),
    cancel: (p) => service().cancel(p),
  };

  const call = async (method: string, body: unknown, authorization: string | undefined) => {
    const parsed = rpcBody.safeParse(body);
    const id = parsed.success ? (parsed.data.id ?? null) : null;
    try {
      if (method === 'create') service().checkCaller(authorization);
      if (!parsed.success) throw new PlatformError('ValidationError', 'The body must be a JSON-RPC 2.0 call with params.');
      if (method === 'create') return { jsonrpc: '2.0', id, result: await service().create(parsed.data.params ?? {}) };
      if (!Object.hasOwn(methods, method)) throw new PlatformError('NotFound', `No method ${method.slice(0, 40)} on /upgrade/request.`);
      return { jsonrpc: '2.0', id, result: await methods[method](parsed.data.params ?? {}) };
    } catch (e) {
      if (!(e instanceof PlatformError)) throw e;
      // As Odoo: a JSON-RPC error is an HTTP 200.
      return { jsonrpc: '2.0', id, error: errorBody(e) };
    }
  };

  server.post<{ Params: { '*': string } }>('/upgrade/request/*', async (request) =>
    call(request.params['*'], request.body, request.headers.authorization),
  );
  // Odoo's client sends no header of its own: its base URL (UPGRADE_SERVER_NAME) can carry our API key instead.
  server.post<{ Params: { apiKey: string; '*': string } }>('/key/:apiKey/upgrade/request/*', async (request) =>
    call(request.params['*'], request.body, `Bearer ${request.params.apiKey}`),
  );

  server.get<{ Querystring: { token?: string } }>('/upgrade/request/logs', async (request, reply) => {
    const range = /^bytes=(\d{1,15})-$/.exec(request.headers.range?.trim() ?? '');
    const offset = range ? Number(range[1]) : 0;
    const { data, size } = await service().logs(request.query.token, offset);
    reply.header('content-type', 'text/plain; charset=utf-8').header('x-upgrade-log-size', String(size));
    if (data.length === 0) return reply.code(200).send('');
    if (range) reply.code(206).header('content-range', `bytes ${offset}-${offset + data.length - 1}/${size}`);
    return reply.send(data);
  });

  server.get<{ Querystring: { token?: string } }>('/upgrade/request/page', async (request, reply) => {
    let row;
    try {
      row = await service().authorized(request.query.token);
    } catch (e) {
      if (!(e instanceof PlatformError)) throw e;
      return reply.code(403).type('text/html; charset=utf-8').send('<!doctype html><title>Access denied</title><p>Unknown request token.</p>');
    }
    const status = await service().describe(row);
    const html = requestPage({
      id: row.id,
      state: row.state,
      aim: row.aim,
      version: row.version ?? '(not known yet)',
      target: row.target,
      create_date: status.create_date,
      process_date: status.process_date,
      done_date: status.done_date,
      reason: row.reason,
      archived: status.archived,
      archivedFrom: row.archived_from,
      logTail: await service().files(row.id).logTail(8 * 1024),
    });
    return reply
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(html);
  });

  return server;
}

function transportError(message: string) {
  return { code: 200, message: 'Odoo Server Error', data: { name: 'TransportError', message } };
}
